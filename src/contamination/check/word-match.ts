import { lookup, type NgramIndex } from '../bench/ngram-index.js';
import type { NgramHasher } from '../hash.js';
import { tokenHashHalves } from '../hash.js';
import type { WordNormalization } from '../text/tokens.js';
import { benchGrams, GRAM_SEP, type PreparedSource } from './prepare.js';
import type { Span } from './result.js';

/** The word rules' matching: a text's n-grams looked up in a source's index, every hit verified on real tokens. */

export interface WordRun {
  windows: number;
  /** 1 where the window's n-gram is verified in some item of the source. */
  verified: Uint8Array;
  /** Verified windows per benchmark item examined, with the n-gram's position in that item. */
  perItem: Map<number, WordHit[]>;
}

export interface WordHit {
  window: number;
  benchPos: number;
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
export function runWords(
  tokens: string[],
  p: PreparedSource,
  index: NgramIndex,
  n: number,
  norm: WordNormalization,
  hasher: NgramHasher,
  topK: number,
  skip?: (i: number) => boolean,
): WordRun {
  const W = Math.max(0, tokens.length - n + 1);
  const verified = new Uint8Array(W);
  const perItem = new Map<number, WordHit[]>();
  if (W === 0) return { windows: 0, verified, perItem };
  const { windows, posts, counts } = candidatePostings(tokens, index, n, hasher, skip);
  if (counts.size === 0) return { windows, verified, perItem };
  const grams = new Map<number, string>();
  const gramAt = (i: number) => {
    let s = grams.get(i);
    if (s === undefined) {
      s = tokens.slice(i, i + n).join(GRAM_SEP);
      grams.set(i, s);
    }
    return s;
  };
  const examined = new Set<number>();
  const examine = (it: number) => {
    examined.add(it);
    const g = benchGrams(p, norm, index.spec.field, it, n);
    const hits: WordHit[] = [];
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
  // The items with the most hash hits first; then any item that could still confirm an unverified window.
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

/** Per window, the items the index says may hold its n-gram; per item, how many windows name it. */
function candidatePostings(
  tokens: string[],
  index: NgramIndex,
  n: number,
  hasher: NgramHasher,
  skip?: (i: number) => boolean,
): { windows: number; posts: (Uint32Array | undefined)[]; counts: Map<number, number> } {
  const k = index.spec.n;
  const W = tokens.length - n + 1;
  const { h1, h2 } = tokenHashHalves(tokens);
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
  let windows = 0;
  for (let i = 0; i < W; i++) {
    if (skip?.(i)) continue;
    windows++;
    let post = kpost(i);
    if (post.length > 0 && k < n) post = intersect(post, kpost(i + n - k));
    if (post.length === 0) continue;
    posts[i] = post;
    for (const it of post) counts.set(it, (counts.get(it) ?? 0) + 1);
  }
  return { windows, posts, counts };
}

/** Overlapping verified windows merged into spans of the checked text's tokens. */
export function wordSpans(tokens: string[], hits: WordHit[], n: number): Span[] {
  const spans: Span[] = [];
  for (const h of [...hits].sort((a, b) => a.window - b.window)) {
    const last = spans[spans.length - 1];
    if (last && h.window <= last.end) last.end = Math.max(last.end, h.window + n);
    else spans.push({ start: h.window, end: h.window + n, benchStart: h.benchPos, text: '' });
  }
  for (const s of spans) s.text = tokens.slice(s.start, s.end).join(' ');
  return spans;
}
