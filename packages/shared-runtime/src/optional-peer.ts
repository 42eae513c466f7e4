import { ModelLoadError } from './errors/model-load-error.js';

/** What each optional peer dependency is needed for, as the error message says it. */
export const OPTIONAL_PEER_PURPOSES = {
  'onnxruntime-node': 'running the local model',
  sharp: 'decoding and resizing images for the local model',
  '@huggingface/tokenizers': 'tokenizing texts for the local model',
  'onnx-proto': 'writing ONNX model files (tiny test model repos)',
} as const;

/** An optional peer dependency, loaded only by the code paths that need it. */
export type OptionalPeer = keyof typeof OPTIONAL_PEER_PURPOSES;

function isModuleNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${name}`)
  );
}

/**
 * Loads an optional peer dependency with a dynamic `import()`, so that the package's root entry
 * never loads it. A missing package throws {@link ModelLoadError} with `packageName` set and a
 * message naming the install command; a package that is present but fails to load (a broken
 * native binary, for example) throws {@link ModelLoadError} with the cause attached.
 */
export async function importOptionalPeer<T>(name: OptionalPeer): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (isModuleNotFound(error, name)) {
      throw new ModelLoadError(
        `${name} is required for ${OPTIONAL_PEER_PURPOSES[name]}. Install it: npm install ${name}`,
        { packageName: name, cause: error },
      );
    }
    throw new ModelLoadError(
      `${name} is installed but could not be loaded (${error instanceof Error ? error.message : String(error)}). Reinstall it: npm install ${name}`,
      { packageName: name, cause: error },
    );
  }
}
