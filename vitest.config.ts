import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The CLI tests run the built bundle: rebuild it first when a source is newer (tests/helpers/fresh-build.ts).
    globalSetup: ['tests/helpers/fresh-build.ts'],
    // Tests spawn the CLI many times; on a loaded 2-core machine one test can take over 30 s. Speed targets live in bench/.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // CI prints a "N passed, N failed" line from this file.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-results.json' }]] : ['default'],
  },
});
