import { forEachNgramHash, tokenHash, tokenHashes } from './scan/hash.js';

/**
 * The check side's view of the one n-gram hash, scan/hash.ts (the corpus scanner's): the same token hash and the
 * same rolling n-gram polynomial, laid out as the benchmark index stores them (unsigned halves in two arrays).
 * Matches found through the hash are always verified against the real tokens, so a collision can cost time but
 * never a false match.
 */

export type NgramHasher = (h1: Uint32Array, h2: Uint32Array, start: number, n: number) => [number, number];

const scratch = new Int32Array(2);

/** The scan's token hash of `s[start, end)` as two unsigned 32-bit halves. */
export function stringHash2(s: string, start = 0, end = s.length): [number, number] {
  tokenHash(start === 0 && end === s.length ? s : s.slice(start, end), scratch, 0);
  return [scratch[0] >>> 0, scratch[1] >>> 0];
}

/** The scan's per-token hashes of a token list, split into the two halves an `NgramHasher` takes. */
export function tokenHashHalves(tokens: string[]): { h1: Uint32Array; h2: Uint32Array } {
  const th = tokenHashes(tokens);
  const h1 = new Uint32Array(tokens.length);
  const h2 = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    h1[i] = th[2 * i];
    h2[i] = th[2 * i + 1];
  }
  return { h1, h2 };
}

/**
 * The hash of every n-token window of the token run `[from, to)`, written unsigned into `hiOut`/`loOut` from `at`;
 * returns how many windows there were.
 */
export function ngramHashesInto(
  h1: Uint32Array,
  h2: Uint32Array,
  from: number,
  to: number,
  n: number,
  hiOut: Uint32Array,
  loOut: Uint32Array,
  at: number,
): number {
  if (to - from < n) return 0;
  const th = new Int32Array(2 * (to - from));
  for (let i = from; i < to; i++) {
    th[2 * (i - from)] = h1[i];
    th[2 * (i - from) + 1] = h2[i];
  }
  forEachNgramHash(th, n, (i, a, b) => {
    hiOut[at + i] = a;
    loOut[at + i] = b;
  });
  return to - from - n + 1;
}

const oneHi = new Uint32Array(1);
const oneLo = new Uint32Array(1);

/** The hash of the single window at `start` (the same values as `ngramHashesInto`: it is computed by it). */
export const ngramHash: NgramHasher = (h1, h2, start, n) => {
  ngramHashesInto(h1, h2, start, start + n, n, oneHi, oneLo, 0);
  return [oneHi[0], oneLo[0]];
};
