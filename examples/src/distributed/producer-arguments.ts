import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SAMPLE_DATA } from '../data-folder.js';
import { boundedInteger, IngestSettingsError } from './ingest-settings.js';

/** The producer's `--help` text (the launcher adds `--workers`). */
export const PRODUCER_USAGE = `  <folder>              images and texts to ingest, relative to where you ran the command
                        (default: the examples' sample data)
  --manifest FILE       a JSONL manifest instead of a folder: one {"path"}, {"url"} or {"text"} a line
  --job-size N          items per embed job, 1 to 10000 (default 32)
  --cleanup MODE        none (default) | incremental (delete rows and failures of files rewritten or
                        fixed) | full (also of files deleted), after a run with nothing missing
  --retry-failed        embed again the items recorded as failed
  --reset               forget this queue's jobs first (the store keeps its rows)
  --detach              enqueue and exit without watching
  --help                this text`;

/** `--cleanup`'s modes, as LangChain's `index()` names them. */
export const CLEANUP_MODES = ['none', 'incremental', 'full'] as const;

/** The producer's arguments, checked. */
export interface ProducerArguments {
  /** Absolute. */
  folder: string;
  /** The JSONL manifest (absolute) read instead of `folder`, when given. */
  manifest: string | undefined;
  jobSize: number;
  cleanup: (typeof CLEANUP_MODES)[number];
  retryFailed: boolean;
  reset: boolean;
  detach: boolean;
  help: boolean;
}

/**
 * Parses and checks the producer's arguments (the launcher calls it too, before starting
 * anything). A relative folder resolves against `cwd` (npm's `INIT_CWD`: where the user ran
 * `npm run`, not `examples/`).
 */
export function parseProducerArguments(
  args: string[],
  cwd: string = process.env.INIT_CWD || process.cwd(),
): ProducerArguments {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        'job-size': { type: 'string', default: '32' },
        manifest: { type: 'string' },
        cleanup: { type: 'string', default: 'none' },
        'retry-failed': { type: 'boolean', default: false },
        reset: { type: 'boolean', default: false },
        detach: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  }
  try {
    parsed = parse();
  } catch (cause) {
    // Node's message goes on with advice about '--'; its first sentence names the problem.
    const [first] = (cause as Error).message.split(/(?<=\.) /);
    throw new IngestSettingsError('arguments', `${first} See --help.`, { cause });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new IngestSettingsError('arguments', `one folder only, got ${positionals.length}.`);
  }
  if (values.manifest !== undefined && positionals.length > 0) {
    throw new IngestSettingsError('--manifest', 'a folder or --manifest, not both.');
  }
  const cleanup = values.cleanup as ProducerArguments['cleanup'];
  if (!CLEANUP_MODES.includes(cleanup)) {
    throw new IngestSettingsError(
      '--cleanup',
      `--cleanup must be one of ${CLEANUP_MODES.join(', ')}, got ${JSON.stringify(values.cleanup)}.`,
    );
  }
  return {
    folder: positionals[0] === undefined ? SAMPLE_DATA : resolve(cwd, positionals[0]),
    manifest: values.manifest === undefined ? undefined : resolve(cwd, values.manifest),
    jobSize: boundedInteger('--job-size', values['job-size'], 32, 1, 10_000),
    cleanup,
    retryFailed: values['retry-failed'],
    reset: values.reset,
    detach: values.detach,
    help: values.help,
  };
}
