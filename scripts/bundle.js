// Bundles the CLI into dist/bundle/ so that start-up loads a few files instead of hundreds of small modules
// (zod alone is ~100 ESM files, ~100 ms). Heavy or data-carrying packages stay external and load lazily.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS packages inside an ESM bundle call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __heldoutRequire } from 'node:module'; const require = __heldoutRequire(import.meta.url);",
  },
  external: [
    '@anthropic-ai/sdk',
    '@inquirer/prompts',
    'cli-progress',
    'csv-parse',
    'csv-stringify',
    'fzstd',
    'handlebars',
    'hyparquet',
    'katex',
    'mathjs',
    'natural',
    'openai',
    'p-limit',
    'playwright-core',
    'tinyld',
  ],
});

// The grading page of `heldout grade serve`: one small browser bundle and its style sheet, served by the CLI (no CDN).
await build({
  entryPoints: { app: 'src/grading/web/client/app.ts' },
  outdir: 'dist/grade-web',
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  logLevel: 'warning',
});
await build({
  entryPoints: { app: 'src/grading/web/client/app.css' },
  outdir: 'dist/grade-web',
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
