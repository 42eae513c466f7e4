import type { Options } from 'tsup';
import { defineAdapterTsupConfig } from '../../tsup.shared.js';

// ESM only, like the AI SDK itself (`ai` 7 ships no CommonJS).
const config: Options = {
  ...defineAdapterTsupConfig('@ai-sdk/provider'),
  format: ['esm'],
  external: ['jina-clip-runtime', '@ai-sdk/provider', '@ai-sdk/provider-utils', 'zod'],
};

export default config;
