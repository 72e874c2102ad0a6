/**
 * Moved to text/normalize.ts and text/tokens.ts. This re-export keeps the importers this branch may not edit
 * (ngram-index.ts, scan/scan.ts, scan/verify.ts, src/index.ts, tests/scan.test.ts) building until they import
 * from text/ directly; then delete it.
 */
export * from './text/normalize.js';
export * from './text/tokens.js';
