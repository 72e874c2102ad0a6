/**
 * Split into check/ (rules, result, prepare, word-match, char-match, similarity, check-text) and
 * text/language.ts. This re-export keeps the importers this branch may not edit (confirm.ts, src/index.ts,
 * bench/index.bench.js) building until they import from check/ directly; then delete it.
 */
export { gpt4Samples } from './check/char-match.js';
export { checkText } from './check/check-text.js';
export { type PreparedSource, prepareSource } from './check/prepare.js';
export * from './check/result.js';
export * from './check/rules.js';
export { longestSharedRun, similarity } from './check/similarity.js';
export { sourceLanguage } from './text/language.js';
