/**
 * The n-gram hash shared by the byte-level hot loop and the string side (benchmark index, verification).
 * Both sides must produce identical numbers for identical token sequences, so every constant lives here.
 *
 * A token hashes its UTF-8 bytes (WTF-8 for lone surrogates) into two independent 32-bit FNV-1a-style lanes,
 * finished with a one-multiply mix. An n-gram is the polynomial Σ t[j]·B^(n-1-j) mod 2^32 per lane, which the hot
 * loop updates in O(1) per token (add the new token, subtract the one that falls out times B^n).
 */

export const SEED1 = 0x811c9dc5 | 0;
export const SEED2 = 0x9747b28c | 0;
export const P1 = 0x01000193;
export const P2 = 0x5bd1e995 | 0;
export const B1 = 0x2545f491;
export const B2 = 0x9e3779b1 | 0;
/** The multiplier of a token's final mix. */
export const MIX = 0x2c1b3c6d;

/** A token's final mix (one multiply: enough to spread FNV's high bits into the low ones). */
export function finishToken(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, MIX);
  return h ^ (h >>> 12);
}

/** B^n mod 2^32 for each lane. */
export function powers(n: number): [number, number] {
  let a = 1;
  let b = 1;
  for (let i = 0; i < n; i++) {
    a = Math.imul(a, B1);
    b = Math.imul(b, B2);
  }
  return [a, b];
}

/**
 * Hashes the token held as UTF-16 code units in `codes[start, end)` into `out[at]`, `out[at + 1]`, feeding the same
 * bytes the hot loop sees: the UTF-8 encoding, with lone surrogates encoded as 3 bytes (WTF-8).
 */
export function codeUnitsHash(codes: Uint16Array, start: number, end: number, out: Int32Array, at: number): void {
  let h1 = SEED1;
  let h2 = SEED2;
  for (let i = start; i < end; i++) {
    let c = codes[i];
    if (c < 0x80) {
      h1 = Math.imul(h1 ^ c, P1);
      h2 = Math.imul(h2 ^ c, P2);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = codes[i + 1];
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    let b: number;
    if (c < 0x800) {
      b = 0xc0 | (c >> 6);
      h1 = Math.imul(h1 ^ b, P1);
      h2 = Math.imul(h2 ^ b, P2);
    } else if (c < 0x10000) {
      b = 0xe0 | (c >> 12);
      h1 = Math.imul(h1 ^ b, P1);
      h2 = Math.imul(h2 ^ b, P2);
      b = 0x80 | ((c >> 6) & 0x3f);
      h1 = Math.imul(h1 ^ b, P1);
      h2 = Math.imul(h2 ^ b, P2);
    } else {
      b = 0xf0 | (c >> 18);
      h1 = Math.imul(h1 ^ b, P1);
      h2 = Math.imul(h2 ^ b, P2);
      b = 0x80 | ((c >> 12) & 0x3f);
      h1 = Math.imul(h1 ^ b, P1);
      h2 = Math.imul(h2 ^ b, P2);
      b = 0x80 | ((c >> 6) & 0x3f);
      h1 = Math.imul(h1 ^ b, P1);
      h2 = Math.imul(h2 ^ b, P2);
    }
    b = 0x80 | (c & 0x3f);
    h1 = Math.imul(h1 ^ b, P1);
    h2 = Math.imul(h2 ^ b, P2);
  }
  out[at] = finishToken(h1);
  out[at + 1] = finishToken(h2);
}

let units = new Uint16Array(64);

/**
 * Hashes one token string (already janitor-normalised) into `out[at]`, `out[at + 1]`: `codeUnitsHash` of its
 * UTF-16 code units.
 */
export function tokenHash(tok: string, out: Int32Array, at: number): void {
  if (units.length < tok.length) units = new Uint16Array(Math.max(tok.length, units.length * 2));
  for (let i = 0; i < tok.length; i++) units[i] = tok.charCodeAt(i);
  codeUnitsHash(units, 0, tok.length, out, at);
}

/** Per-token hashes of a token list, interleaved [h1, h2, h1, h2, …]. */
export function tokenHashes(tokens: string[]): Int32Array {
  const out = new Int32Array(tokens.length * 2);
  for (let i = 0; i < tokens.length; i++) tokenHash(tokens[i], out, i * 2);
  return out;
}

/**
 * Calls `visit(i, h1, h2)` for every n-gram starting at token i, with the same rolling arithmetic as the hot
 * loop.
 */
export function forEachNgramHash(th: Int32Array, n: number, visit: (i: number, h1: number, h2: number) => void): void {
  const count = th.length / 2;
  if (count < n) return;
  const [pn1, pn2] = powers(n);
  let r1 = 0;
  let r2 = 0;
  for (let k = 0; k < count; k++) {
    r1 = (Math.imul(r1, B1) + th[2 * k]) | 0;
    r2 = (Math.imul(r2, B2) + th[2 * k + 1]) | 0;
    if (k >= n) {
      r1 = (r1 - Math.imul(th[2 * (k - n)], pn1)) | 0;
      r2 = (r2 - Math.imul(th[2 * (k - n) + 1], pn2)) | 0;
    }
    if (k >= n - 1) visit(k - n + 1, r1, r2);
  }
}
