import { rmSync } from 'node:fs';
import { loadOrBuildIndex } from '../bench/index-cache.js';
import {
  buildCharIndex,
  buildWordIndexFromStream,
  charGramHash,
  fieldText,
  type IndexSpec,
  lookup,
  type NgramIndex,
  specId,
  type TokenStream,
  tokenStream,
} from '../bench/ngram-index.js';
import type { BenchmarkSource } from '../bench/source.js';
import { ngramHash, tokenHashHalves } from '../hash.js';
import { sourceLanguage } from '../text/language.js';
import { gpt4Chars } from '../text/normalize.js';
import { normalizationId, type WordNormalization, wordTokens } from '../text/tokens.js';
import { type CheckOptions, norms } from './rules.js';

/**
 * A benchmark source made ready for checking: its indexes (loaded from the cache or built), and memos of the
 * benchmark side's tokens and n-grams, filled as candidates are verified.
 */
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
  const normFor = (spec: IndexSpec) => (spec.normalization === normalizationId(template) ? template : rule);
  // Indexes with the same normalisation (n = 13 and n = 8) share one tokenisation.
  const streams = new Map<string, TokenStream>();
  for (const spec of specs) {
    const expected = { spec, sourceHash: source.hash, itemCount: source.items.length };
    const custom = opts.hasher || opts.charHasher;
    const build = () => {
      if (spec.kind === 'char') return buildCharIndex(source.items, spec, source.hash, { hasher: opts.charHasher });
      const norm = normFor(spec);
      const key = `${spec.field}|${spec.normalization}`;
      let stream = streams.get(key);
      if (!stream) {
        stream = tokenStream(source.items, spec.field, norm, language);
        streams.set(key, stream);
      }
      return buildWordIndexFromStream(stream, spec, source.hash, { hasher: opts.hasher });
    };
    // Indexes built with a test hasher must never reach the shared cache.
    const cacheOpts = { cacheDir: opts.cacheDir, cache: custom ? false : opts.cache };
    let got = loadOrBuildIndex(expected, build, cacheOpts);
    if (got.status === 'hit' && got.file && !findsFirstGram(got.index, source, normFor(spec), language)) {
      // Built with another hash by an older heldout (same layout, so the file validates): every lookup would miss.
      rmSync(got.file, { force: true });
      got = { ...loadOrBuildIndex(expected, build, cacheOpts), rejected: 'built with another hash' };
    }
    opts.onIndex?.({ source: source.label, spec, status: got.status, ms: got.ms, rejected: got.rejected });
    prepared.indexes.set(specId(spec), got.index);
  }
  return prepared;
}

/**
 * Whether a loaded index finds the first gram of the first item that has one, hashed as this heldout hashes it.
 * An index written with another hash (an older heldout sharing the cache) has the same layout and passes every
 * check of the file, but no lookup in it would ever hit: the check would call everything clean.
 */
function findsFirstGram(
  index: NgramIndex,
  source: BenchmarkSource,
  norm: WordNormalization,
  language: string | undefined,
): boolean {
  const { field, kind, n } = index.spec;
  for (let it = 0; it < source.items.length; it++) {
    const text = fieldText(source.items[it], field);
    let key: [number, number] | undefined;
    if (kind === 'char') {
      const chars = gpt4Chars(text);
      if (chars.length >= n) key = charGramHash(chars, 0, n);
    } else {
      const tokens = wordTokens(text, norm, language);
      if (tokens.length >= n) {
        const { h1, h2 } = tokenHashHalves(tokens.slice(0, n));
        key = ngramHash(h1, h2, 0, n);
      }
    }
    if (key) return lookup(index, key[0], key[1]).includes(it);
  }
  return true;
}

/** Joins an n-gram's tokens into one memo key. */
export const GRAM_SEP = '\u0001';

/** A benchmark item's tokens under a normalisation, memoised. */
export function benchTokens(
  p: PreparedSource,
  norm: WordNormalization,
  field: IndexSpec['field'],
  it: number,
): string[] {
  const key = `${normalizationId(norm)}|${field}|${it}`;
  let t = p.tokenMemo.get(key);
  if (!t) {
    t = wordTokens(fieldText(p.source.items[it], field), norm, p.language);
    p.tokenMemo.set(key, t);
  }
  return t;
}

/** A benchmark item's n-grams (joined tokens) with the position of each one's first occurrence, memoised. */
export function benchGrams(
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
      const s = t.slice(i, i + n).join(GRAM_SEP);
      if (!g.has(s)) g.set(s, i);
    }
    p.gramMemo.set(key, g);
  }
  return g;
}
