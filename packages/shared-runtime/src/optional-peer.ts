import { ModelLoadError } from './errors/model-load-error.js';

/** What each optional peer dependency is needed for, as the error message says it. */
export const OPTIONAL_PEER_PURPOSES = {
  'onnxruntime-node': 'running the local model',
  sharp: 'decoding and resizing images',
  '@huggingface/tokenizers': 'tokenizing texts for the local model',
  'onnx-proto': 'writing ONNX model files (tiny test model repos)',
} as const;

/** An optional peer dependency, loaded only by the code paths that need it. */
export type OptionalPeer = keyof typeof OPTIONAL_PEER_PURPOSES;

const loading = new Map<string, Promise<unknown>>();

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  // Only the package itself being absent counts: a broken install that lacks one of its own
  // files or dependencies names another module, and is reported as a failed load instead.
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    message.includes(`'${specifier}'`)
  );
}

async function load(name: OptionalPeer, specifier: string): Promise<unknown> {
  let namespace: { default?: unknown };
  try {
    namespace = await import(specifier);
  } catch (error) {
    if (isModuleNotFound(error, specifier)) {
      throw new ModelLoadError(
        `${name} is required for ${OPTIONAL_PEER_PURPOSES[name]}. Install it: npm install ${name}`,
        { packageNames: [name], cause: error },
      );
    }
    throw new ModelLoadError(
      `${name} is installed but could not be loaded (${error instanceof Error ? error.message : String(error)}). Reinstall it: npm install ${name}`,
      { packageName: name, cause: error },
    );
  }
  // A CommonJS package whose `module.exports` is a function (sharp) arrives as a namespace with
  // that function as `default`: return the function. Any other module is returned as its
  // namespace (onnxruntime-node's named exports, onnx-proto's `default.onnx`).
  return typeof namespace.default === 'function' ? namespace.default : namespace;
}

/**
 * @internal Loads `specifier` on behalf of the peer `name` (the same code path as
 * {@link importOptionalPeer}); tests pass a specifier that does not exist.
 */
export function importPeerModule<T>(name: OptionalPeer, specifier: string = name): Promise<T> {
  let promise = loading.get(specifier);
  if (promise === undefined) {
    promise = load(name, specifier);
    loading.set(specifier, promise);
    // Forget a failure, so that a later call succeeds once the package is installed.
    promise.catch(() => loading.delete(specifier));
  }
  return promise as Promise<T>;
}

/**
 * Loads an optional peer dependency with a dynamic `import()`, once per process (the promise is
 * cached), so that the package's root entry never loads it.
 *
 * Returns the module's `default` export when that is a function (a CommonJS function export:
 * `sharp` resolves to the `sharp` function itself), else the module namespace.
 *
 * @throws {ModelLoadError} with `packageName` set: when the package is not installed (then
 * `packageNames` is `[name]` too), with the message
 * `"<name> is required for <purpose>. Install it: npm install <name>"`; when it is
 * installed but fails to load (a native binary missing for this platform, for example), with the
 * cause attached.
 */
export async function importOptionalPeer<T>(name: OptionalPeer): Promise<T> {
  return importPeerModule<T>(name);
}

/**
 * The `npm install` line for `names`. onnxruntime-node's install script downloads CUDA 12
 * binaries by default on Linux x64 (and fails where that download is unreachable): for a CPU
 * install the line skips it.
 */
function installLine(names: readonly OptionalPeer[], cpuOnly: boolean): string {
  const skip =
    cpuOnly && names.includes('onnxruntime-node') ? 'ONNXRUNTIME_NODE_INSTALL=skip ' : '';
  return `${skip}npm install ${names.join(' ')}`;
}

/**
 * Loads every optional peer in `names` at once (each as {@link importOptionalPeer} does, cached),
 * so that a call learns of all its missing packages together rather than one per attempt.
 *
 * @param options.cpuOnly - whether onnxruntime-node is wanted without its CUDA binaries: then the
 * install line carries `ONNXRUNTIME_NODE_INSTALL=skip`. @default true
 * @throws {ModelLoadError} when any is not installed: one error whose `packageNames` lists every
 * missing package (`packageName` is the first) and whose message names each with its purpose
 * and ends with one install line, e.g. `"Packages this call needs are not installed:
 * onnxruntime-node (running the local model), sharp (decoding and resizing images). Install
 * them: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node sharp"`. A package that is
 * installed but fails to load rejects as {@link importOptionalPeer} does.
 */
export async function importOptionalPeers(
  names: readonly OptionalPeer[],
  options: { cpuOnly?: boolean; specifierOf?: (name: OptionalPeer) => string } = {},
): Promise<void> {
  const { cpuOnly = true, specifierOf = (name: OptionalPeer) => name } = options;
  const results = await Promise.allSettled(
    names.map((name) => importPeerModule(name, specifierOf(name))),
  );
  const missing: OptionalPeer[] = [];
  const causes: unknown[] = [];
  for (const [index, result] of results.entries()) {
    if (result.status === 'fulfilled') continue;
    const error = result.reason as unknown;
    if (!(error instanceof ModelLoadError) || error.packageNames === undefined) throw error;
    missing.push(names[index]!);
    causes.push(error);
  }
  if (missing.length === 0) return;
  const line = installLine(missing, cpuOnly);
  const message =
    missing.length === 1
      ? `${missing[0]} is required for ${OPTIONAL_PEER_PURPOSES[missing[0]!]}. Install it: ${line}`
      : `Packages this call needs are not installed: ${missing
          .map((name) => `${name} (${OPTIONAL_PEER_PURPOSES[name]})`)
          .join(', ')}. Install them: ${line}`;
  throw new ModelLoadError(message, {
    packageNames: missing,
    cause: causes.length === 1 ? causes[0] : new AggregateError(causes, 'Missing packages'),
  });
}
