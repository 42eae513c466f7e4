import type { Options } from 'tsup';

/**
 * The tsup config of an adapter package: `src/index.ts` as ESM and CommonJS, with types for
 * both. The runtime (a dependency) and `framework` (a peer) stay imports, never bundled.
 */
export function defineAdapterTsupConfig(framework: string): Options {
  return {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    external: ['jina-clip-runtime', framework],
  };
}
