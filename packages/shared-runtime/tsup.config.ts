import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    local: 'src/local.ts',
    testing: 'src/testing.ts',
    // Not an export: the file the image worker threads run, found beside the chunks in dist/.
    'image-worker': 'src/images/image-worker.ts',
    // Not an export either: the file the tokenizer thread runs (long texts, see TokenizerThread).
    'tokenizer-worker': 'src/local/tokenizer-worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // No source maps in the tarball: dist/ is unminified JavaScript a stack trace can be read
  // in as it is, and the maps (half the runtime's tarball) pointed at src/, which is not shipped.
  sourcemap: false,
  target: 'node20',
  splitting: true,
  // tsup turns the split ESM chunks into CommonJS with sucrase, whose class-field transform makes
  // each class an expression assigned to `_class2`: without this, `AuthenticationError.name` is
  // '_class2' in the CommonJS build. esbuild's keepNames pins every class's own name.
  keepNames: true,
  // The CommonJS build gets an `import.meta.url` (the image worker pool finds its worker file by it).
  shims: true,
  // Optional peers are loaded lazily with dynamic import(); never bundle them.
  external: ['onnxruntime-node', 'sharp', '@huggingface/tokenizers', 'onnx-proto', 'undici'],
});
