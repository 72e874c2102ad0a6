/**
 * 64-bit n-gram hashes as two independent 32-bit halves (no BigInt in the hot loop). Matches found through
 * the hash are always verified against the real tokens, so a collision can cost time but never a false match.
 */

/** Two 32-bit hashes of a string: FNV-1a and a Murmur3-style multiply-rotate, each finalised with fmix32. */
export function stringHash2(s: string, start = 0, end = s.length): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ (end - start);
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    let k = Math.imul(c, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    b ^= Math.imul(k, 0x1b873593);
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }
  return [fmix32(a ^ (end - start)) >>> 0, fmix32(b) >>> 0];
}

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Per-token hash halves for a token list, memoised across calls by `memo`. */
export function tokenHashes(
  tokens: readonly string[],
  memo?: Map<string, [number, number]>,
): { h1: Uint32Array; h2: Uint32Array } {
  const h1 = new Uint32Array(tokens.length);
  const h2 = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    let h = memo?.get(t);
    if (!h) {
      h = stringHash2(t);
      memo?.set(t, h);
    }
    h1[i] = h[0];
    h2[i] = h[1];
  }
  return { h1, h2 };
}

export type NgramHasher = (h1: Uint32Array, h2: Uint32Array, start: number, n: number) => [number, number];

/**
 * The order-sensitive 64-bit (hi, lo) hash of every n-token window of one token run, written into `hiOut`/`loOut`
 * at `at`, without allocating.
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
  let w = at;
  const hi0 = 0x2545f491 ^ n;
  const lo0 = 0x6a09e667 ^ Math.imul(n, 0x9e3779b1);
  for (let start = from; start + n <= to; start++) {
    let hi = hi0;
    let lo = lo0;
    for (let j = start; j < start + n; j++) {
      hi = Math.imul(hi ^ h1[j], 0x9e3779b1);
      hi = (hi << 13) | (hi >>> 19);
      lo = Math.imul(lo ^ h2[j], 0x85ebca77);
      lo = (lo << 17) | (lo >>> 15);
      lo = (lo + 0x165667b1) | 0;
    }
    hiOut[w] = fmix32(hi) >>> 0;
    loOut[w] = fmix32(lo) >>> 0;
    w++;
  }
  return w - at;
}

const oneHi = new Uint32Array(1);
const oneLo = new Uint32Array(1);

/** The hash of the single window at `start` (same values as `ngramHashesInto`, by construction). */
export const ngramHash: NgramHasher = (h1, h2, start, n) => {
  ngramHashesInto(h1, h2, start, start + n, n, oneHi, oneLo, 0);
  return [oneHi[0], oneLo[0]];
};
