import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    // Each test runs a whole example in a child process (model load, vector store on disk).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
