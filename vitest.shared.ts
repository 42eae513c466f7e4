import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vitest/config';

const runtimeSource = (entry: string) =>
  fileURLToPath(new URL(`./packages/shared-runtime/src/${entry}.ts`, import.meta.url));

/**
 * The vitest config of an adapter package (`langchain-jina-clip`, `llamaindex-jina-clip`): its
 * `src/**\/*.test.ts`, run on the runtime's source rather than its build.
 */
export function defineAdapterVitestConfig(): UserConfig {
  return defineConfig({
    resolve: {
      alias: [
        // Tests run on the runtime's source: no build needed, and a runtime change is seen at once.
        { find: /^jina-clip-runtime$/, replacement: runtimeSource('index') },
        { find: /^jina-clip-runtime\/local$/, replacement: runtimeSource('local') },
        { find: /^jina-clip-runtime\/testing$/, replacement: runtimeSource('testing') },
      ],
    },
    test: {
      include: ['src/**/*.test.ts'],
      // onnxruntime-node, sharp and lancedb are native addons: each file runs in its own process.
      pool: 'forks',
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  });
}
