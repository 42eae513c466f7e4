import { Blob } from 'node:buffer';
import { createApiBackend, type EmbeddingBackend, JinaClipError } from 'jina-clip-runtime';

/** One kind of bad input or option, as a careless or hostile caller would pass it. */
export interface BadInputKind {
  readonly category:
    | 'input shape'
    | 'text'
    | 'image source'
    | 'image bytes'
    | 'call options'
    | 'backend options';
  readonly name: string;
  /** Makes the call that must fail; `backend` is a working backend of the run. */
  run(backend: EmbeddingBackend, factory: BackendFactory): Promise<unknown>;
}

/** Creates a backend of the run's kind with more options (for the backend-option kinds). */
export type BackendFactory = (options: Record<string, unknown>) => EmbeddingBackend;

/** How one kind ended on one backend. */
export interface BadInputOutcome {
  readonly category: BadInputKind['category'];
  readonly name: string;
  readonly backend: 'api' | 'local';
  /** The class name of what was thrown, or `resolved` when the call wrongly succeeded. */
  readonly thrown: string;
  /** True when what was thrown is one of the library's typed errors. */
  readonly typed: boolean;
  /** Requests the loopback API server received for the call (api only; 0 = caught up front). */
  readonly requests?: number;
}

const JPEG_HEADER = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46);
const embed = (backend: EmbeddingBackend, inputs: unknown, options?: unknown) =>
  backend.embed(inputs as never, options as never);

/** The catalogue: every kind is tried on both backends. */
export const BAD_INPUT_KINDS: readonly BadInputKind[] = [
  { category: 'input shape', name: 'inputs is null', run: (b) => embed(b, null) },
  { category: 'input shape', name: 'inputs is a string', run: (b) => embed(b, 'hello') },
  { category: 'input shape', name: 'an input is null', run: (b) => embed(b, ['a', null]) },
  { category: 'input shape', name: 'an input is a number', run: (b) => embed(b, [42]) },
  { category: 'input shape', name: 'an input is {}', run: (b) => embed(b, [{}]) },
  {
    category: 'input shape',
    name: 'text and image in one input',
    run: (b) => embed(b, [{ text: 'a', image: 'b.jpg' }]),
  },
  // biome-ignore lint/suspicious/noSparseArray: the hole is the bad input
  { category: 'input shape', name: 'a hole in a sparse array', run: (b) => embed(b, ['a', , 'b']) },
  { category: 'text', name: 'empty string', run: (b) => embed(b, ['']) },
  { category: 'text', name: '{ text: 42 }', run: (b) => embed(b, [{ text: 42 }]) },
  { category: 'image source', name: '{ image: "" }', run: (b) => embed(b, [{ image: '' }]) },
  { category: 'image source', name: '{ image: 42 }', run: (b) => embed(b, [{ image: 42 }]) },
  {
    category: 'image source',
    name: 'missing file',
    run: (b) => embed(b, [{ image: '/nonexistent/cat.jpg' }]),
  },
  { category: 'image source', name: 'a directory', run: (b) => embed(b, [{ image: '/tmp' }]) },
  {
    category: 'image source',
    name: 'ftp: URL',
    run: (b) => embed(b, [{ image: 'ftp://example.com/cat.jpg' }]),
  },
  {
    category: 'image source',
    name: 'javascript: URL',
    run: (b) => embed(b, [{ image: 'javascript:alert(1)' }]),
  },
  {
    category: 'image source',
    name: 'data: URI without data',
    run: (b) => embed(b, [{ image: 'data:,' }]),
  },
  {
    category: 'image source',
    name: 'data: URI with broken base64',
    run: (b) => embed(b, [{ image: 'data:image/png;base64,@@@@' }]),
  },
  {
    category: 'image bytes',
    name: 'zero-length bytes',
    run: (b) => embed(b, [{ image: new Uint8Array(0) }]),
  },
  { category: 'image bytes', name: 'empty Blob', run: (b) => embed(b, [{ image: new Blob([]) }]) },
  {
    category: 'image bytes',
    name: 'truncated JPEG',
    run: (b) => embed(b, [{ image: JPEG_HEADER }]),
  },
  {
    category: 'image bytes',
    name: 'text bytes as an image',
    run: (b) => embed(b, [{ image: Buffer.from('not an image at all') }]),
  },
  { category: 'call options', name: 'options null', run: (b) => embed(b, ['a'], null) },
  { category: 'call options', name: 'signal {}', run: (b) => embed(b, ['a'], { signal: {} }) },
  {
    category: 'call options',
    name: 'onProgress not a function',
    run: (b) => embed(b, ['a'], { onProgress: 'yes' }),
  },
  {
    category: 'call options',
    name: 'unknown task',
    run: (b) => embed(b, ['a'], { task: 'classification' }),
  },
  {
    category: 'call options',
    name: 'dimensions 0',
    run: (b) => embed(b, ['a'], { dimensions: 0 }),
  },
  {
    category: 'call options',
    name: 'dimensions 100 (not a Matryoshka width)',
    run: (b) => embed(b, ['a'], { dimensions: 100 }),
  },
  {
    category: 'call options',
    name: 'dimensions NaN',
    run: (b) => embed(b, ['a'], { dimensions: Number.NaN }),
  },
  {
    category: 'backend options',
    name: 'batchSize 0',
    run: async (_, make) => make({ batchSize: 0 }).embed(['a']),
  },
  {
    category: 'backend options',
    name: 'unknown option (batchsize)',
    run: async (_, make) => make({ batchsize: 8 }).embed(['a']),
  },
  {
    category: 'backend options',
    name: 'unknown model',
    run: async (_, make) => make({ model: 'jina-clip-v9' }).embed(['a']),
  },
];

/**
 * Tries every kind on one backend and records what was thrown; an api run also counts the
 * requests each call sent, so "checked before any request" is visible.
 */
export async function runBadInputCatalog(
  backendName: 'api' | 'local',
  backend: EmbeddingBackend,
  factory: BackendFactory,
  requestCount?: () => number,
): Promise<BadInputOutcome[]> {
  const outcomes: BadInputOutcome[] = [];
  for (const kind of BAD_INPUT_KINDS) {
    const before = requestCount?.();
    let thrown = 'resolved';
    let typed = false;
    try {
      await kind.run(backend, factory);
    } catch (error) {
      thrown = error instanceof Error ? error.name : typeof error;
      typed = JinaClipError.isInstance(error);
    }
    outcomes.push({
      category: kind.category,
      name: kind.name,
      backend: backendName,
      thrown,
      typed,
      ...(before === undefined ? {} : { requests: requestCount!() - before }),
    });
  }
  return outcomes;
}

/** The api factory of the catalogue: a fresh backend with the run's base options. */
export function apiFactory(base: Record<string, unknown>): BackendFactory {
  return (options) => createApiBackend({ ...base, ...options } as never);
}
