import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The runtime is a dependency and LangChain a peer: both stay imports, never bundled.
  external: ['jina-clip-runtime', '@langchain/core'],
});
