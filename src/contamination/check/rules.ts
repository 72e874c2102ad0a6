import { CHAR_GRAM, type IndexSpec, specId } from '../bench/ngram-index.js';
import type { NgramHasher } from '../hash.js';
import { normalizationId, type TokenizerName, type WordNormalization, wordTokens } from '../text/tokens.js';

/**
 * The contamination rules: their names, the constants the papers fix, the options a check takes, and which
 * indexes each rule needs.
 */

export const RULE_NAMES = ['gpt3-13gram', 'palm-8gram-70', 'gpt4-50char'] as const;
export type RuleName = (typeof RULE_NAMES)[number];
export type Verdict = 'clean' | 'contaminated' | 'not-comparable';
export type MatchRule = RuleName | 'template';

export const GPT3_N = 13;
export const AUTO_N_RANGE = [8, 13] as const;
export const PALM_N = 8;
export const PALM_THRESHOLD = 0.7;
export const GPT4_SAMPLE_CHARS = 50;
/**
 * Below this many characters (after keeping letters and digits) a text is not comparable under gpt4-50char:
 * the rule's "whole item if shorter" would make "\\boxed{A}" (6 characters) match half of MATH.
 */
export const GPT4_MIN_CHARS = 25;
export const GPT4_SAMPLES = 3;
export const TEMPLATE_N = 8;
/** Share of an item's number-masked 8-grams one benchmark item must hold for a template match. */
export const TEMPLATE_THRESHOLD = 0.5;

export type CharHasher = (s: string, start: number, len: number) => [number, number];

export interface CheckOptions {
  rules?: RuleName[];
  /** n for gpt3-13gram: a number, or `auto` (5th-percentile item length in words, clamped to [8, 13]). */
  n?: number | 'auto';
  /** LaTeX-aware normalisation for the word rules (the template match always uses it). */
  latex?: boolean;
  /** Porter stemming of English texts. */
  stem?: boolean;
  tokenizer?: TokenizerName;
  /** Benchmark items listed per text and rule. */
  topK?: number;
  /** Seed for the gpt4-50char samples. */
  seed?: string;
  cacheDir?: string;
  /** false: neither read nor write cached indexes. */
  cache?: boolean;
  /** Test hooks: replace the hashes to force collisions. */
  hasher?: NgramHasher;
  charHasher?: CharHasher;
  /** Called as each index is loaded or built (for progress and the bench). */
  onIndex?: (e: { source: string; spec: IndexSpec; status: 'hit' | 'built'; ms: number; rejected?: string }) => void;
}

/** The GPT-3 paper's n for short items: 5th-percentile length in words, clamped to [8, 13]. */
export function autoN(texts: readonly string[]): number {
  const lengths = texts
    .map((t) => wordTokens(t).length)
    .filter((l) => l > 0)
    .sort((a, b) => a - b);
  if (lengths.length === 0) return GPT3_N;
  const p5 = lengths[Math.max(0, Math.ceil(0.05 * lengths.length) - 1)];
  return Math.min(AUTO_N_RANGE[1], Math.max(AUTO_N_RANGE[0], p5));
}

export interface Norms {
  rule: WordNormalization;
  template: WordNormalization;
}

/** The word normalisation of the rules (as the options ask) and of the template match (LaTeX-aware, numbers masked). */
export function norms(opts: CheckOptions): Norms {
  const base = { stem: opts.stem, tokenizer: opts.tokenizer };
  return { rule: { ...base, latex: opts.latex }, template: { ...base, latex: true, maskNumbers: true } };
}

/** gpt3-13gram with n ≥ 8 shares palm-8gram-70's 8-gram index (candidates are then checked at full n). */
export function gpt3IndexN(n: number): number {
  return Math.min(n, PALM_N);
}

export const gpt3Spec = (field: IndexSpec['field'], n: number, rule: WordNormalization): IndexSpec => ({
  kind: 'word',
  field,
  n: gpt3IndexN(n),
  normalization: normalizationId(rule),
});
export const palmSpec = (field: IndexSpec['field'], rule: WordNormalization): IndexSpec => ({
  kind: 'word',
  field,
  n: PALM_N,
  normalization: normalizationId(rule),
});
export const templateSpec = (field: IndexSpec['field'], template: WordNormalization): IndexSpec => ({
  kind: 'word',
  field,
  n: TEMPLATE_N,
  normalization: normalizationId(template),
});
export const gpt4Spec = (field: IndexSpec['field']): IndexSpec => ({
  kind: 'char',
  field,
  n: CHAR_GRAM,
  normalization: 'gpt4chars',
});

/** The indexes one field of a source needs for these rules (the template match always runs). */
export function indexSpecs(field: IndexSpec['field'], n: number, rules: RuleName[], opts: CheckOptions): IndexSpec[] {
  const { rule, template } = norms(opts);
  const specs: IndexSpec[] = [];
  const add = (s: IndexSpec) => {
    if (!specs.some((x) => specId(x) === specId(s))) specs.push(s);
  };
  if (rules.includes('gpt3-13gram')) add(gpt3Spec(field, n, rule));
  if (rules.includes('palm-8gram-70')) add(palmSpec(field, rule));
  add(templateSpec(field, template));
  if (rules.includes('gpt4-50char')) add(gpt4Spec(field));
  return specs;
}

/** Why a text is too short for a word rule with this n, or undefined if it is long enough. */
export function tooFewWords(words: number, n: number): string | undefined {
  if (words === 0) return 'empty';
  return words < n ? `shorter than n (${words} < ${n} words)` : undefined;
}
