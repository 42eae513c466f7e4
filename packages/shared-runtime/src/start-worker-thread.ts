import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Options that take the next argument as their value, when not written `--option=value`. */
const SCRIPT_OPTIONS = new Set(['-e', '--eval', '-p', '--print', '-pe', '--input-type']);

/**
 * Options of the process that only the process as a whole takes: V8's heap and stack sizes and
 * the process title. A worker refuses them (`ERR_WORKER_INVALID_EXEC_ARGV`: "V8 options (such as
 * `--max-old-space-size`) and options that affect the process are not supported"), so a server
 * started with `node --max-old-space-size=4096` could not start one.
 */
const PROCESS_ONLY_OPTION =
  /^--(max-old-space-size|max-semi-space-size|max-heap-size|stack-size|title)(=|$)/;

/**
 * The process's Node options a worker accepts: the script and its type (`node -e`,
 * `--input-type=module`) belong to the main thread, and a worker refuses `--input-type` and
 * {@link PROCESS_ONLY_OPTION}s.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const option = argv[index]!;
    if (SCRIPT_OPTIONS.has(option)) index++;
    else if (PROCESS_ONLY_OPTION.test(option)) {
      // `--max-old-space-size 512`: the value is the next argument.
      if (!option.includes('=') && /^\d+$/.test(argv[index + 1] ?? '')) index++;
    } else if (!/^--(input-type|eval|print)=/.test(option)) kept.push(option);
  }
  return kept;
}

/**
 * Starts one worker thread running the entry `name` that sits beside the module at `callerUrl`
 * (its `import.meta.url`): the built `name.js` (in `dist/`, where tsup puts every entry and
 * chunk; tsup's shims give the CommonJS build an `import.meta.url`), else the TypeScript source
 * `name.ts` through tsx (vitest, tsx). The worker gets the process's Node options it accepts
 * ({@link workerExecArgv}) and `workerData`.
 *
 * @throws {Error} when neither file exists.
 */
export function startWorkerThread(
  callerUrl: string,
  name: string,
  options: { workerData?: unknown } = {},
): Worker {
  const folder = dirname(fileURLToPath(callerUrl));
  const execArgv = workerExecArgv();
  const { workerData } = options;
  const built = join(folder, `${name}.js`);
  if (existsSync(built)) return new Worker(built, { execArgv, workerData });
  const source = join(folder, `${name}.ts`);
  if (existsSync(source)) {
    // Running from source (vitest, tsx): tsx, found from this folder, compiles the worker's
    // TypeScript on the fly.
    const tsxPackage = createRequire(source).resolve('tsx/package.json');
    const tsx = join(dirname(tsxPackage), 'dist', 'esm', 'api', 'index.mjs');
    const script = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then(({ tsImport }) => tsImport(${JSON.stringify(pathToFileURL(source).href)}, ${JSON.stringify(pathToFileURL(folder).href + '/')}))`;
    return new Worker(script, { eval: true, execArgv, workerData });
  }
  throw new Error(`The ${name} worker file is missing: neither ${built} nor ${source} exists.`);
}
