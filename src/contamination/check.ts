import { createRequire } from 'node:module';
import { detectLanguage } from '../exam/language.js';
import { seededRandom } from '../random.js';
import type { BenchmarkSource } from './benchmarks.js';
import { type NgramHasher, ngramHash, stringHash2, tokenHashes } from './hash.js';
import { loadOrBuildIndex } from './index-cache.js';
import {
  buildCharIndex,
  buildWordIndexFromStream,
  CHAR_GRAM,
  charGramHash,
  fieldText,
  type IndexSpec,
  lookup,
  type NgramIndex,
  specId,
  type TokenStream,
  tokenStream,
} from './ngram-index.js';
import {
  gpt4Chars,
  janitorNormalize,
  latexNormalize,
  NUM_TOKEN,
  normalizationId,
  type TokenizerName,
  type WordNormalization,
  wordTokens,
} from './normalize.js';

/**
 * The contamination check: texts (exam items, or model answers) against benchmark sources, under the
 * named rules. Every n-gram hit from the index is verified against the real tokens before it counts.
 */

export const RULE_NAMES = ['gpt3-13gram', 'palm-8gram-70', 'gpt4-50char'] as const;
export type RuleName = (typeof RULE_NAMES)[number];
export type Verdict = 'clean' | 'contaminated' | 'not-comparable';

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

export interface CheckText {
  id: string;
  text: string;
  /** Declared language, used when detection cannot tell (too little prose). */
  language?: string;
  /**
   * The declared language decides, without detection: exam items and answers to an exam are in the exam's
   * `language` (a detector reads an English answer full of LaTeX as French).
   */
  languageDecides?: boolean;
}

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
  charHasher?: (s: string, start: number, len: number) => [number, number];
  /** Called as each index is loaded or built (for progress and the bench). */
  onIndex?: (e: { source: string; spec: IndexSpec; status: 'hit' | 'built'; ms: number; rejected?: string }) => void;
}

export interface Span {
  /** Token (word rules) or character (gpt4-50char) offsets in the checked text, after normalisation. */
  start: number;
  end: number;
  /** Where the shared run starts in the benchmark item (same units). */
  benchStart: number;
  text: string;
}

export type MatchRule = RuleName | 'template';

export interface Match {
  bench: string;
  itemId: string;
  rule: MatchRule;
  spans: Span[];
  /** Word rules: shared n-grams with this item and their share of the text's n-grams; gpt4: samples found. */
  shared: number;
  fraction: number;
  /** Longest run of shared tokens (exact-rule normalisation) with this item. */
  longestRun?: number;
  similarity?: { jaroWinkler: number; dice: number };
  /** Set by `--confirm`: a model's opinion on whether the two are the same problem. */
  confirm?: { model: string; same: boolean | null; reason: string };
}

export interface RuleOverlap {
  n?: number;
  /** n-grams (or samples) in the text, those found in the benchmark, and their share. */
  total: number;
  shared: number;
  fraction: number;
  /** The source this figure comes from (per-source rules: the source with the highest share). */
  bench?: string;
}

export interface TextResult {
  id: string;
  language?: string;
  /** Where `language` came from: the exam (declared), detection on the prose (maths and code stripped), or neither. */
  languageFrom?: 'declared' | 'detected' | 'unknown';
  words: number;
  verdicts: Partial<Record<RuleName, Verdict>>;
  /** Why a verdict is not-comparable. */
  reasons: Partial<Record<RuleName, string>>;
  templateMatch: boolean;
  overlap: Partial<Record<RuleName | 'template', RuleOverlap>> & {
    longestRun: number;
    nearest?: { bench: string; itemId: string; dice: number; jaroWinkler: number };
  };
  matches: Match[];
  bySource: Record<string, Partial<Record<RuleName, Verdict>> & { template: boolean }>;
}

export interface PreparedSource {
  source: BenchmarkSource;
  language?: string;
  indexes: Map<string, NgramIndex>;
  tokenMemo: Map<string, string[]>;
  gramMemo: Map<string, Map<string, number>>;
  /** gpt4-50char processed text per item and field, computed on demand. */
  charMemo: Map<string, string>;
  allChars: Map<string, { chars: string; starts: Uint32Array }>;
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

/** Majority language over an even sample of items; undefined if none can be told. */
export function sourceLanguage(source: BenchmarkSource, sample = 32): string | undefined {
  const counts = new Map<string, number>();
  const step = Math.max(1, Math.floor(source.items.length / sample));
  for (let i = 0; i < source.items.length; i += step) {
    const lang = detectLanguage(source.items[i].text.slice(0, 600));
    if (lang) counts.set(lang, (counts.get(lang) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestN = 0;
  for (const [l, c] of counts) if (c > bestN) [best, bestN] = [l, c];
  return best;
}

export interface Norms {
  rule: WordNormalization;
  template: WordNormalization;
}

export function norms(opts: CheckOptions): Norms {
  const base = { stem: opts.stem, tokenizer: opts.tokenizer };
  return { rule: { ...base, latex: opts.latex }, template: { ...base, latex: true, maskNumbers: true } };
}

/** gpt3-13gram with n ≥ 8 shares palm-8gram-70's 8-gram index (candidates are then checked at full n). */
export function gpt3IndexN(n: number): number {
  return Math.min(n, PALM_N);
}

export function indexSpecs(field: IndexSpec['field'], n: number, rules: RuleName[], opts: CheckOptions): IndexSpec[] {
  const { rule, template } = norms(opts);
  const specs: IndexSpec[] = [];
  const add = (s: IndexSpec) => {
    if (!specs.some((x) => specId(x) === specId(s))) specs.push(s);
  };
  if (rules.includes('gpt3-13gram'))
    add({ kind: 'word', field, n: gpt3IndexN(n), normalization: normalizationId(rule) });
  if (rules.includes('palm-8gram-70')) add({ kind: 'word', field, n: PALM_N, normalization: normalizationId(rule) });
  add({ kind: 'word', field, n: TEMPLATE_N, normalization: normalizationId(template) });
  if (rules.includes('gpt4-50char')) add({ kind: 'char', field, n: CHAR_GRAM, normalization: 'gpt4chars' });
  return specs;
}

/** Loads (or builds and caches) the indexes one field of one source needs. */
export function prepareSource(
  source: BenchmarkSource,
  specs: IndexSpec[],
  opts: CheckOptions = {},
  language = sourceLanguage(source),
): PreparedSource {
  const { rule, template } = norms(opts);
  const prepared: PreparedSource = {
    source,
    language,
    indexes: new Map(),
    tokenMemo: new Map(),
    gramMemo: new Map(),
    charMemo: new Map(),
    allChars: new Map(),
  };
  // Indexes with the same normalisation (n = 13 and n = 8) share one tokenisation.
  const streams = new Map<string, TokenStream>();
  for (const spec of specs) {
    const expected = { spec, sourceHash: source.hash, itemCount: source.items.length };
    const custom = opts.hasher || opts.charHasher;
    const build = () => {
      if (spec.kind === 'char') return buildCharIndex(source.items, spec, source.hash, { hasher: opts.charHasher });
      const norm = spec.normalization === normalizationId(template) ? template : rule;
      const key = `${spec.field}|${spec.normalization}`;
      let stream = streams.get(key);
      if (!stream) {
        stream = tokenStream(source.items, spec.field, norm, language);
        streams.set(key, stream);
      }
      return buildWordIndexFromStream(stream, spec, source.hash, { hasher: opts.hasher });
    };
    // Indexes built with a test hasher must never reach the shared cache.
    const got = loadOrBuildIndex(expected, build, { cacheDir: opts.cacheDir, cache: custom ? false : opts.cache });
    opts.onIndex?.({ source: source.label, spec, status: got.status, ms: got.ms, rejected: got.rejected });
    prepared.indexes.set(specId(spec), got.index);
  }
  return prepared;
}

// ---- Word rules ------------------------------------------------------------------------------------------

interface WordRun {
  windows: number;
  /** 1 where the window's n-gram is verified in some item of the source. */
  verified: Uint8Array;
  /** Verified windows per benchmark item examined, with the n-gram's position in that item. */
  perItem: Map<number, { window: number; benchPos: number }[]>;
}

const SEP = '\u0001';

function benchTokens(p: PreparedSource, norm: WordNormalization, field: IndexSpec['field'], it: number): string[] {
  const key = `${normalizationId(norm)}|${field}|${it}`;
  let t = p.tokenMemo.get(key);
  if (!t) {
    t = wordTokens(fieldText(p.source.items[it], field), norm, p.language);
    p.tokenMemo.set(key, t);
  }
  return t;
}

function benchGrams(
  p: PreparedSource,
  norm: WordNormalization,
  field: IndexSpec['field'],
  it: number,
  n: number,
): Map<string, number> {
  const key = `${normalizationId(norm)}|${field}|${it}|${n}`;
  let g = p.gramMemo.get(key);
  if (!g) {
    const t = benchTokens(p, norm, field, it);
    g = new Map();
    for (let i = 0; i + n <= t.length; i++) {
      const s = t.slice(i, i + n).join(SEP);
      if (!g.has(s)) g.set(s, i);
    }
    p.gramMemo.set(key, g);
  }
  return g;
}

/** Extra items examined to confirm hash hits the top candidates did not; bounds pathological inputs. */
const MAX_EXTRA_CANDIDATES = 500;

/** Sorted-list intersection of two posting lists. */
function intersect(a: ArrayLike<number>, b: ArrayLike<number>): Uint32Array {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return Uint32Array.from(out);
}

/**
 * Verified n-gram matches of `tokens` in one source. The index may hold shorter k-grams (k ≤ n): an n-gram
 * occurs in an item only if its first and last k-grams do, so candidates are the items on both lists.
 */
function runWords(
  tokens: string[],
  p: PreparedSource,
  index: NgramIndex,
  n: number,
  norm: WordNormalization,
  hasher: NgramHasher,
  topK: number,
  skip?: (i: number) => boolean,
): WordRun {
  const k = index.spec.n;
  const field = index.spec.field;
  const W = Math.max(0, tokens.length - n + 1);
  const verified = new Uint8Array(W);
  const perItem = new Map<number, { window: number; benchPos: number }[]>();
  let windows = 0;
  if (W === 0) return { windows, verified, perItem };
  const { h1, h2 } = tokenHashes(tokens);
  const kgrams = new Map<number, Uint32Array>();
  const kpost = (j: number) => {
    let post = kgrams.get(j);
    if (!post) {
      const [hi, lo] = hasher(h1, h2, j, k);
      post = lookup(index, hi, lo);
      kgrams.set(j, post);
    }
    return post;
  };
  const posts: (Uint32Array | undefined)[] = new Array(W);
  const counts = new Map<number, number>();
  for (let i = 0; i < W; i++) {
    if (skip?.(i)) continue;
    windows++;
    let post = kpost(i);
    if (post.length > 0 && k < n) post = intersect(post, kpost(i + n - k));
    if (post.length === 0) continue;
    posts[i] = post;
    for (const it of post) counts.set(it, (counts.get(it) ?? 0) + 1);
  }
  if (counts.size === 0) return { windows, verified, perItem };
  const grams = new Map<number, string>();
  const gramAt = (i: number) => {
    let s = grams.get(i);
    if (s === undefined) {
      s = tokens.slice(i, i + n).join(SEP);
      grams.set(i, s);
    }
    return s;
  };
  const examined = new Set<number>();
  const examine = (it: number) => {
    examined.add(it);
    const g = benchGrams(p, norm, field, it, n);
    const hits: { window: number; benchPos: number }[] = [];
    for (let i = 0; i < W; i++) {
      if (!posts[i]) continue;
      const pos = g.get(gramAt(i));
      if (pos !== undefined) {
        hits.push({ window: i, benchPos: pos });
        verified[i] = 1;
      }
    }
    if (hits.length > 0) perItem.set(it, hits);
  };
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  for (const [it] of ranked.slice(0, topK)) examine(it);
  let extra = 0;
  for (let i = 0; i < W && extra < MAX_EXTRA_CANDIDATES; i++) {
    const post = posts[i];
    if (!post || verified[i]) continue;
    for (const it of post) {
      if (examined.has(it)) continue;
      examine(it);
      if (++extra >= MAX_EXTRA_CANDIDATES || verified[i]) break;
    }
  }
  return { windows, verified, perItem };
}

function wordSpans(tokens: string[], hits: { window: number; benchPos: number }[], n: number): Span[] {
  const spans: Span[] = [];
  for (const h of [...hits].sort((a, b) => a.window - b.window)) {
    const last = spans[spans.length - 1];
    if (last && h.window <= last.end) last.end = Math.max(last.end, h.window + n);
    else spans.push({ start: h.window, end: h.window + n, benchStart: h.benchPos, text: '' });
  }
  for (const s of spans) s.text = tokens.slice(s.start, s.end).join(' ');
  return spans;
}

/** Longest common run of tokens (dynamic programming over one row). */
export function longestSharedRun(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  let best = 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        const v = prev[j - 1] + 1;
        cur[j] = v;
        if (v > best) best = v;
      } else cur[j] = 0;
    }
    [prev, cur] = [cur, prev];
  }
  return best;
}

// ---- gpt4-50char -----------------------------------------------------------------------------------------

/** Start offsets of the sampled substrings: seeded by the text itself, so the same text always gets the same samples. */
export function gpt4Samples(processed: string, seed = 'heldout'): { start: number; text: string }[] {
  if (processed.length < GPT4_MIN_CHARS) return [];
  if (processed.length <= GPT4_SAMPLE_CHARS) return [{ start: 0, text: processed }];
  const rand = seededRandom(stringHash2(`${seed}\0${processed}`)[0]);
  const out: { start: number; text: string }[] = [];
  for (let k = 0; k < GPT4_SAMPLES; k++) {
    const start = Math.floor(rand() * (processed.length - GPT4_SAMPLE_CHARS + 1));
    out.push({ start, text: processed.slice(start, start + GPT4_SAMPLE_CHARS) });
  }
  return out;
}

const MAX_CHAR_HITS = 50;

function itemChars(p: PreparedSource, field: IndexSpec['field'], it: number): string {
  const key = `${field}|${it}`;
  let s = p.charMemo.get(key);
  if (s === undefined) {
    s = gpt4Chars(fieldText(p.source.items[it], field));
    p.charMemo.set(key, s);
  }
  return s;
}

/** Every item's processed text, concatenated (for whole-text search of short samples). */
function allChars(p: PreparedSource, field: IndexSpec['field']): { chars: string; starts: Uint32Array } {
  let a = p.allChars.get(field);
  if (!a) {
    const starts = new Uint32Array(p.source.items.length + 1);
    const parts: string[] = [];
    let pos = 0;
    for (let it = 0; it < p.source.items.length; it++) {
      starts[it] = pos;
      const s = itemChars(p, field, it);
      parts.push(s);
      pos += s.length;
    }
    starts[p.source.items.length] = pos;
    a = { chars: parts.join(''), starts };
    p.allChars.set(field, a);
  }
  return a;
}

/** Items of the source whose processed text contains `sample`, with the position. */
function findSample(
  p: PreparedSource,
  index: NgramIndex,
  sample: string,
  charHasher: (s: string, start: number, len: number) => [number, number],
): { it: number; pos: number }[] {
  const field = index.spec.field;
  const out: { it: number; pos: number }[] = [];
  const seen = new Set<number>();
  if (sample.length >= 2 * CHAR_GRAM) {
    // Any occurrence of a 2g-character string covers one whole indexed g-gram (indexed every g positions).
    for (let o = 0; o <= sample.length - CHAR_GRAM && out.length < MAX_CHAR_HITS; o++) {
      const [hi, lo] = charHasher(sample, o, CHAR_GRAM);
      for (const it of lookup(index, hi, lo)) {
        if (seen.has(it)) continue;
        seen.add(it);
        const pos = itemChars(p, field, it).indexOf(sample);
        if (pos >= 0) out.push({ it, pos });
      }
    }
    return out;
  }
  // Short texts are compared whole (the GPT-4 rule): a plain scan, kept within item boundaries.
  const { chars, starts } = allChars(p, field);
  const count = p.source.items.length;
  let from = 0;
  while (out.length < MAX_CHAR_HITS) {
    const pos = chars.indexOf(sample, from);
    if (pos < 0) break;
    let a = 0;
    let b = count - 1;
    while (a < b) {
      const m = (a + b + 1) >>> 1;
      if (starts[m] <= pos) a = m;
      else b = m - 1;
    }
    // Skip empty items that share the start offset.
    let it = a;
    while (it + 1 < count && starts[it + 1] <= pos) it++;
    if (pos + sample.length <= starts[it + 1] && !seen.has(it)) {
      seen.add(it);
      out.push({ it, pos: pos - starts[it] });
    }
    from = pos + 1;
  }
  return out;
}

// ---- One text against all sources -------------------------------------------------------------------------

const require = createRequire(import.meta.url);
let jaroWinkler: ((a: string, b: string) => number) | undefined;
let dice: ((a: string, b: string) => number) | undefined;

/** natural's Jaro-Winkler and Dice (subpath imports) on janitor-normalised, LaTeX-cleaned text. */
export function similarity(a: string, b: string): { jaroWinkler: number; dice: number } {
  jaroWinkler ??= require('natural/lib/natural/distance/jaro-winkler_distance.js') as (a: string, b: string) => number;
  dice ??= require('natural/lib/natural/distance/dice_coefficient.js') as (a: string, b: string) => number;
  const na = janitorNormalize(latexNormalize(a)).replace(/\s+/g, ' ').trim();
  const nb = janitorNormalize(latexNormalize(b)).replace(/\s+/g, ' ').trim();
  if (!na || !nb) return { jaroWinkler: 0, dice: 0 };
  // Jaro-Winkler is quadratic: long items (MMLU law questions) are compared on their first 2000 characters.
  return { jaroWinkler: round(jaroWinkler(na.slice(0, 2000), nb.slice(0, 2000))), dice: round(dice(na, nb)) };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function checkText(
  t: CheckText,
  prepared: PreparedSource[],
  field: IndexSpec['field'],
  n: number,
  rules: RuleName[],
  opts: CheckOptions = {},
): TextResult {
  const { rule: ruleNorm, template: templateNorm } = norms(opts);
  const hasher = opts.hasher ?? ngramHash;
  const charHasher = opts.charHasher ?? charGramHash;
  const topK = opts.topK ?? 5;
  // tinyld costs time per character; a thousand characters of prose settle the language.
  const detected = t.languageDecides && t.language ? undefined : detectLanguage(t.text.slice(0, 4000));
  const language = t.languageDecides && t.language ? t.language : (detected ?? t.language);
  const languageFrom =
    t.languageDecides && t.language ? 'declared' : detected ? 'detected' : language ? 'declared' : 'unknown';
  const tokens = wordTokens(t.text, ruleNorm, language);
  const masked = wordTokens(t.text, templateNorm, language);
  const processed = gpt4Chars(t.text);
  const samples = gpt4Samples(processed, opts.seed);

  const res: TextResult = {
    id: t.id,
    language,
    languageFrom,
    words: tokens.length,
    verdicts: {},
    reasons: {},
    templateMatch: false,
    overlap: { longestRun: 0 },
    matches: [],
    bySource: {},
  };
  const gpt3Union = new Uint8Array(Math.max(0, tokens.length - n + 1));
  let gpt3Windows = 0;
  const gpt4Found = new Set<number>();
  const notComparable = new Set<string>();
  const candidates = new Map<string, { p: PreparedSource; it: number }>();
  const matchKeys = new Map<Match, string>();
  const pushMatch = (m: Match, p: PreparedSource, it: number) => {
    const key = `${p.source.label}\0${it}`;
    res.matches.push(m);
    matchKeys.set(m, key);
    candidates.set(key, { p, it });
  };

  for (const p of prepared) {
    const label = p.source.label;
    const per: TextResult['bySource'][string] = { template: false };
    res.bySource[label] = per;
    const langMismatch = language && p.language && language !== p.language ? `${language} vs ${p.language}` : undefined;
    if (langMismatch) notComparable.add(`${label}: ${langMismatch}`);
    const verdictFor = (hit: boolean, empty: string | undefined): Verdict =>
      hit ? 'contaminated' : empty || langMismatch ? 'not-comparable' : 'clean';

    const addWordMatches = (rule: MatchRule, run: WordRun, idxN: number, toks: string[], total: number) => {
      const ranked = [...run.perItem.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
      for (const [it, hits] of ranked.slice(0, topK)) {
        const itemId = p.source.items[it].id;
        pushMatch(
          {
            bench: label,
            itemId,
            rule,
            spans: wordSpans(toks, hits, idxN),
            shared: hits.length,
            fraction: round(total ? hits.length / total : 0),
          },
          p,
          it,
        );
      }
    };

    if (rules.includes('gpt3-13gram')) {
      const idx = p.indexes.get(
        specId({ kind: 'word', field, n: gpt3IndexN(n), normalization: normalizationId(ruleNorm) }),
      )!;
      const run = runWords(tokens, p, idx, n, ruleNorm, hasher, topK);
      gpt3Windows = run.windows;
      for (let i = 0; i < run.verified.length; i++) if (run.verified[i]) gpt3Union[i] = 1;
      const hit = run.verified.some((v) => v === 1);
      const empty =
        tokens.length === 0
          ? 'empty'
          : tokens.length < n
            ? `shorter than n (${tokens.length} < ${n} words)`
            : undefined;
      per['gpt3-13gram'] = verdictFor(hit, empty);
      if (empty && !hit) notComparable.add(`gpt3-13gram: ${empty}`);
      addWordMatches('gpt3-13gram', run, n, tokens, run.windows);
    }

    if (rules.includes('palm-8gram-70')) {
      const idx = p.indexes.get(specId({ kind: 'word', field, n: PALM_N, normalization: normalizationId(ruleNorm) }))!;
      const run = runWords(tokens, p, idx, PALM_N, ruleNorm, hasher, topK);
      const shared = run.verified.reduce((s, v) => s + v, 0);
      const fraction = run.windows ? shared / run.windows : 0;
      const prev = res.overlap['palm-8gram-70'];
      if (!prev || fraction > prev.fraction) {
        res.overlap['palm-8gram-70'] = {
          n: PALM_N,
          total: run.windows,
          shared,
          fraction: round(fraction),
          bench: label,
        };
      }
      const hit = run.windows > 0 && fraction >= PALM_THRESHOLD;
      const empty =
        tokens.length === 0
          ? 'empty'
          : tokens.length < PALM_N
            ? `shorter than n (${tokens.length} < ${PALM_N} words)`
            : undefined;
      per['palm-8gram-70'] = verdictFor(hit, empty);
      addWordMatches('palm-8gram-70', run, PALM_N, tokens, run.windows);
    }

    const templateIdx = p.indexes.get(
      specId({ kind: 'word', field, n: TEMPLATE_N, normalization: normalizationId(templateNorm) }),
    );
    if (templateIdx) {
      const idx = templateIdx;
      // Windows that are mostly numbers would match any list of numbers.
      const numCount = (i: number) => {
        let c = 0;
        for (let j = i; j < i + TEMPLATE_N; j++) if (masked[j] === NUM_TOKEN) c++;
        return c;
      };
      const run = runWords(masked, p, idx, TEMPLATE_N, templateNorm, hasher, topK, (i) => numCount(i) * 2 > TEMPLATE_N);
      let best = { it: -1, shared: 0 };
      for (const [it, hits] of run.perItem) if (hits.length > best.shared) best = { it, shared: hits.length };
      const fraction = run.windows ? best.shared / run.windows : 0;
      const prev = res.overlap.template;
      if (!prev || fraction > prev.fraction) {
        res.overlap.template = {
          n: TEMPLATE_N,
          total: run.windows,
          shared: best.shared,
          fraction: round(fraction),
          bench: label,
        };
      }
      if (run.windows > 0 && fraction >= TEMPLATE_THRESHOLD) {
        per.template = true;
        res.templateMatch = true;
        const matched = [...run.perItem.entries()].filter(([, h]) => h.length / run.windows >= TEMPLATE_THRESHOLD);
        matched.sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
        for (const [it, hits] of matched.slice(0, topK)) {
          pushMatch(
            {
              bench: label,
              itemId: p.source.items[it].id,
              rule: 'template',
              spans: wordSpans(masked, hits, TEMPLATE_N),
              shared: hits.length,
              fraction: round(hits.length / run.windows),
            },
            p,
            it,
          );
        }
      }
    }

    if (rules.includes('gpt4-50char')) {
      const idx = p.indexes.get(specId({ kind: 'char', field, n: CHAR_GRAM, normalization: 'gpt4chars' }))!;
      const byItem = new Map<number, Span[]>();
      samples.forEach((s, k) => {
        for (const { it, pos } of findSample(p, idx, s.text, charHasher)) {
          gpt4Found.add(k);
          const spans = byItem.get(it) ?? [];
          spans.push({ start: s.start, end: s.start + s.text.length, benchStart: pos, text: s.text });
          byItem.set(it, spans);
        }
      });
      const hit = byItem.size > 0;
      per['gpt4-50char'] = verdictFor(hit, samples.length === 0 ? 'too short' : undefined);
      const ranked = [...byItem.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
      for (const [it, spans] of ranked.slice(0, topK)) {
        pushMatch(
          {
            bench: label,
            itemId: p.source.items[it].id,
            rule: 'gpt4-50char',
            spans,
            shared: spans.length,
            fraction: round(spans.length / samples.length),
          },
          p,
          it,
        );
      }
    }
  }

  // Aggregate: contaminated against any source wins; otherwise any not-comparable source makes it not comparable.
  for (const rule of rules) {
    const vs = Object.values(res.bySource).map((s) => s[rule]);
    res.verdicts[rule] = vs.includes('contaminated')
      ? 'contaminated'
      : vs.includes('not-comparable') || vs.length === 0
        ? 'not-comparable'
        : 'clean';
    if (res.verdicts[rule] === 'not-comparable') {
      const why: string[] = [];
      if (rule === 'gpt4-50char' && samples.length === 0) {
        why.push(processed.length === 0 ? 'empty' : `shorter than ${GPT4_MIN_CHARS} characters (${processed.length})`);
      } else if (tokens.length === 0) why.push('empty');
      else if (rule === 'gpt3-13gram' && tokens.length < n) why.push(`shorter than n (${tokens.length} < ${n} words)`);
      else if (rule === 'palm-8gram-70' && tokens.length < PALM_N) {
        why.push(`shorter than n (${tokens.length} < ${PALM_N} words)`);
      }
      for (const r of notComparable) if (!r.startsWith('gpt3')) why.push(`language ${r}`);
      if (vs.length === 0) why.push('no benchmark');
      res.reasons[rule] = [...new Set(why)].join('; ') || 'not comparable';
    }
  }
  if (rules.includes('gpt3-13gram')) {
    const shared = gpt3Union.reduce((s, v) => s + v, 0);
    res.overlap['gpt3-13gram'] = {
      n,
      total: gpt3Windows,
      shared,
      fraction: round(gpt3Windows ? shared / gpt3Windows : 0),
    };
  }
  if (rules.includes('gpt4-50char')) {
    res.overlap['gpt4-50char'] = {
      n: GPT4_SAMPLE_CHARS,
      total: samples.length,
      shared: gpt4Found.size,
      fraction: round(samples.length ? gpt4Found.size / samples.length : 0),
    };
  }

  // Longest shared run and near-duplicate scores for the candidates.
  const runs = new Map<string, number>();
  const sims = new Map<string, { jaroWinkler: number; dice: number }>();
  for (const [key, { p, it }] of candidates) {
    const run = longestSharedRun(tokens, benchTokens(p, ruleNorm, field, it));
    runs.set(key, run);
    if (run > res.overlap.longestRun) res.overlap.longestRun = run;
    const sim = similarity(t.text, fieldText(p.source.items[it], field));
    sims.set(key, sim);
    const near = res.overlap.nearest;
    if (!near || sim.dice > near.dice) {
      res.overlap.nearest = { bench: p.source.label, itemId: p.source.items[it].id, ...sim };
    }
  }
  for (const m of res.matches) {
    const key = matchKeys.get(m);
    if (key === undefined) continue;
    m.longestRun = runs.get(key);
    m.similarity = sims.get(key);
  }
  return res;
}
