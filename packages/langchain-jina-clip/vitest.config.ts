import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const runtimeSource = (entry: string) =>
  fileURLToPath(new URL(`../shared-runtime/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      // Tests run on the runtime's source: no build needed, and a runtime change is seen at once.
      { find: /^jina-clip-runtime$/, replacement: runtimeSource('index') },
      { find: /^jina-clip-runtime\/local$/, replacement: runtimeSource('local') },
      { find: /^jina-clip-runtime\/testing$/, replacement: runtimeSource('testing') },
      // npm nests @lancedb/lancedb@0.37 under this workspace (it is outside the ^0.19 peer range
      // @langchain/community declares), where the hoisted @langchain/community cannot resolve it.
      // In an application both sit at the top of node_modules; here the import is pointed at
      // this workspace's copy (with @langchain/community inlined below, so the alias applies).
      {
        find: /^@lancedb\/lancedb$/,
        replacement: createRequire(import.meta.url).resolve('@lancedb/lancedb'),
      },
    ],
  },
  test: {
    include: ['src/**/*.test.ts'],
    // onnxruntime-node, sharp and lancedb are native addons: each file runs in its own process.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    server: { deps: { inline: ['@langchain/community'] } },
  },
});
