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
    // No source maps in the tarball: dist/ is unminified JavaScript a stack trace can be read
    // in as it is, and the maps (half the runtime's tarball) pointed at src/, which is not shipped.
    sourcemap: false,
    target: 'node20',
    external: ['jina-clip-runtime', framework],
  };
}
