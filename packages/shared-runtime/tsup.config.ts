import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', local: 'src/local.ts', testing: 'src/testing.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  // Optional peers are loaded lazily with dynamic import(); never bundle them.
  external: ['onnxruntime-node', 'sharp', '@huggingface/tokenizers', 'onnx-proto', 'undici'],
});
