import { B1, B2, P1, P2, powers, SEED1, SEED2 } from './hash.js';

// The hot loop below repeats these values as local constants; this checks they agree.
if (P1 !== 0x01000193 || P2 !== (0x5bd1e995 | 0) || B1 !== 0x2545f491 || B2 !== (0x9e3779b1 | 0))
  throw new Error('hash constants');
if (SEED1 !== (0x811c9dc5 | 0) || SEED2 !== (0x9747b28c | 0)) throw new Error('hash seeds');

import { hex4 } from './json-field.js';
import type { NgramTable } from './table.js';

/**
 * The corpus hot loop: janitor normalisation (A–Z → a–z, drop the 32 ASCII punctuation characters), Python
 * `str.split()` tokenisation and n-gram hashing in ONE pass over UTF-8 bytes, with no string or array allocated
 * per token. JSONL lines are not `JSON.parse`d: `locateJsonField` (json-field.ts) validates the line and finds
 * the text field, and `scanBytes` decodes its escapes on the fly.
 *
 * The loop is a filter. A line whose hashes hit the benchmark table (or that it cannot handle: invalid UTF-8,
 * odd JSON) goes to the exact, string-based path, which re-tokenises it with the reference normaliser and
 * compares tokens; so hash collisions cannot create matches, and the loop only has to never miss one.
 */

// Byte classes (scanBytes repeats them as local constants K_*).
const TOK = 0;
const UP = 1;
const WS = 2;
const PUN = 3;
const ESC = 4;
const BAIL = 5;
const MB = 6;

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

function classTable(json: boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    if (c >= 0x80) t[c] = MB;
    else if (c >= 0x41 && c <= 0x5a) t[c] = UP;
    else if ((c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20)) t[c] = WS;
    else if (PUNCTUATION.includes(String.fromCharCode(c))) t[c] = PUN;
    else t[c] = TOK;
    // Raw control characters are not allowed inside a JSON string.
    if (json && c < 0x20) t[c] = BAIL;
  }
  if (json) {
    t[0x5c] = ESC;
    t[0x22] = BAIL;
  }
  return t;
}

/** Classes for plain text and for characters that JSON escapes decode to. */
export const CLS_TEXT = classTable(false);
/** Classes for raw bytes inside a JSON string. */
export const CLS_JSON = classTable(true);

/** Python `str.isspace()` outside ASCII. */
export function isPyWhitespace(cp: number): boolean {
  return (
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

export const NO_HIT = 0;
export const HIT = 1;
/** The loop cannot decide this line exactly; use the string path. */
export const SLOW = 2;

let N = 13;
let PN1 = 0;
let PN2 = 0;
let SLOTS: Int32Array = new Int32Array(4);
let TBITS = 1;
let BLOOM: Int32Array = new Int32Array(1);
let BBITS = 1;
let RING: Int32Array = new Int32Array(26);

export function useTable(t: NgramTable): void {
  N = t.n;
  [PN1, PN2] = powers(t.n);
  SLOTS = t.slots;
  TBITS = t.bits;
  BLOOM = t.bloom;
  BBITS = t.bloomBits;
  RING = new Int32Array(2 * t.n);
}

/** Pending (lane 1, lane 2) n-gram hashes of the current line. */
const LOOKUPS = new Int32Array(1 << 14);

/** Most table hits of one line that `scanBytes` lists; a line with more is verified the long way. */
const MAX_HITS = 1 << 15;

/**
 * The table hits of the line `scanBytes` last returned HIT for, as (window index, table slot) pairs in window
 * order: window i is the n-gram starting at the line's token i. Only `hitCount` pairs are valid.
 */
export const HITS = new Int32Array(2 * MAX_HITS);
/** Valid pairs in HITS, or -1 when the line had more than fit (then HITS holds nothing usable). */
export let hitCount = 0;
/** Janitor tokens on the line `scanBytes` last scanned to its end. */
export let lineTokens = 0;

/** Looks up the first `len` / 2 pending n-gram hashes (windows `first`, `first` + 1, …); records hits in HITS. */
function flushLookups(len: number, first: number): void {
  const hb = LOOKUPS;
  const bloom = BLOOM;
  const bshift = 32 - BBITS;
  const slots = SLOTS;
  const tshift = 32 - TBITS;
  const tmask = (1 << TBITS) - 1;
  for (let i = 0; i < len; i += 2) {
    const r1 = hb[i];
    const r2 = hb[i + 1];
    const m = (1 << (r1 & 31)) | (1 << ((r1 >>> 5) & 31));
    if ((bloom[r2 >>> bshift] & m) === m) {
      let s = r1 >>> tshift;
      for (;;) {
        const o = s << 2;
        if (slots[o + 2] === 0) break;
        if (slots[o] === r1 && slots[o + 1] === r2) {
          if (hitCount >= 0) {
            if (hitCount === MAX_HITS) hitCount = -1;
            else {
              HITS[2 * hitCount] = first + (i >> 1);
              HITS[2 * hitCount + 1] = s;
              hitCount++;
            }
          }
          break;
        }
        s = (s + 1) & tmask;
      }
    }
  }
}

/**
 * Scans bytes [p, end): the contents of a JSON string (without quotes) when `json`, else a plain-text line.
 * Returns NO_HIT, HIT (some n-gram hash is in the table; HITS lists where, and lineTokens counts the line's tokens)
 * or SLOW.
 */
export function scanBytes(buf: Uint8Array, p: number, end: number, json: boolean): number {
  // Constants as locals: TurboFan folds these, while module-level bindings cost a load each (≈1.7× slower).
  const K_TOK = 0;
  const K_UP = 1;
  const K_WS = 2;
  const K_PUN = 3;
  const K_ESC = 4;
  const K_BAIL = 5;
  const K_MB = 6;
  const K_END = 7;
  const K_P1 = 0x01000193;
  const K_P2 = 0x5bd1e995 | 0;
  const K_B1 = 0x2545f491;
  const K_B2 = 0x9e3779b1 | 0;
  const K_SEED1 = 0x811c9dc5 | 0;
  const K_SEED2 = 0x9747b28c | 0;
  const cls = json ? CLS_JSON : CLS_TEXT;
  const n = N;
  const pn1 = PN1;
  const pn2 = PN2;
  const ring = RING;
  ring.fill(0);
  let k = 0;
  let cnt = 0;
  let r1 = 0;
  let r2 = 0;
  let h1 = K_SEED1;
  let h2 = K_SEED2;
  let inTok = false;
  const hb = LOOKUPS;
  const hbLen = LOOKUPS.length;
  let hn = 0;
  let flushed = 0;
  hitCount = 0;
  for (;;) {
    let c = 0;
    let cl = K_END;
    if (p < end) {
      c = buf[p++];
      cl = cls[c];
      if (cl === K_TOK) {
        h1 = Math.imul(h1 ^ c, K_P1);
        h2 = Math.imul(h2 ^ c, K_P2);
        inTok = true;
        continue;
      }
      if (cl === K_PUN) continue;
      if (cl === K_UP) {
        c |= 0x20;
        h1 = Math.imul(h1 ^ c, K_P1);
        h2 = Math.imul(h2 ^ c, K_P2);
        inTok = true;
        continue;
      }
      if (cl === K_MB) {
        // Validate the UTF-8 sequence (invalid → SLOW, where TextDecoder's replacement applies) and spot the
        // non-ASCII whitespace Python splits on.
        let len = 0;
        let ws = false;
        if (c < 0xc2) return SLOW;
        if (c < 0xe0) {
          if (p >= end) return SLOW;
          const c1 = buf[p];
          if ((c1 & 0xc0) !== 0x80) return SLOW;
          len = 1;
          ws = c === 0xc2 && (c1 === 0x85 || c1 === 0xa0);
        } else if (c < 0xf0) {
          if (p + 1 >= end) return SLOW;
          const c1 = buf[p];
          const c2 = buf[p + 1];
          if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) return SLOW;
          if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0)) return SLOW;
          len = 2;
          if (c === 0xe2) {
            ws =
              (c1 === 0x80 && (c2 <= 0x8a || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf)) ||
              (c1 === 0x81 && c2 === 0x9f);
          } else if (c === 0xe1) ws = c1 === 0x9a && c2 === 0x80;
          else if (c === 0xe3) ws = c1 === 0x80 && c2 === 0x80;
        } else if (c < 0xf5) {
          if (p + 2 >= end) return SLOW;
          const c1 = buf[p];
          if ((c1 & 0xc0) !== 0x80 || (buf[p + 1] & 0xc0) !== 0x80 || (buf[p + 2] & 0xc0) !== 0x80) return SLOW;
          if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 >= 0x90)) return SLOW;
          len = 3;
        } else return SLOW;
        if (!ws) {
          h1 = Math.imul(h1 ^ c, K_P1);
          h2 = Math.imul(h2 ^ c, K_P2);
          for (let j = 0; j < len; j++) {
            const b = buf[p + j];
            h1 = Math.imul(h1 ^ b, K_P1);
            h2 = Math.imul(h2 ^ b, K_P2);
          }
          p += len;
          inTok = true;
          continue;
        }
        p += len;
        cl = K_WS;
      } else if (cl === K_ESC) {
        if (p >= end) return SLOW;
        const e = buf[p++];
        let cp: number;
        if (e === 0x6e || e === 0x74 || e === 0x72 || e === 0x66) cp = 0x20;
        else if (e === 0x22 || e === 0x5c || e === 0x2f) continue;
        else if (e === 0x62) cp = 8;
        else if (e === 0x75) {
          if (p + 4 > end) return SLOW;
          cp = hex4(buf, p);
          if (cp < 0) return SLOW;
          p += 4;
          if (cp >= 0xd800 && cp <= 0xdbff && p + 6 <= end && buf[p] === 0x5c && buf[p + 1] === 0x75) {
            const lo = hex4(buf, p + 2);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              p += 6;
            }
          }
        } else return SLOW;
        if (cp < 0x80) {
          const cl2 = CLS_TEXT[cp];
          if (cl2 === K_PUN) continue;
          if (cl2 !== K_WS) {
            if (cl2 === K_UP) cp |= 0x20;
            h1 = Math.imul(h1 ^ cp, K_P1);
            h2 = Math.imul(h2 ^ cp, K_P2);
            inTok = true;
            continue;
          }
        } else if (!isPyWhitespace(cp)) {
          // UTF-8 (WTF-8 for a lone surrogate) bytes of the code point, as the string side hashes them.
          let b: number;
          if (cp < 0x800) {
            b = 0xc0 | (cp >> 6);
            h1 = Math.imul(h1 ^ b, K_P1);
            h2 = Math.imul(h2 ^ b, K_P2);
          } else if (cp < 0x10000) {
            b = 0xe0 | (cp >> 12);
            h1 = Math.imul(h1 ^ b, K_P1);
            h2 = Math.imul(h2 ^ b, K_P2);
            b = 0x80 | ((cp >> 6) & 0x3f);
            h1 = Math.imul(h1 ^ b, K_P1);
            h2 = Math.imul(h2 ^ b, K_P2);
          } else {
            b = 0xf0 | (cp >> 18);
            h1 = Math.imul(h1 ^ b, K_P1);
            h2 = Math.imul(h2 ^ b, K_P2);
            b = 0x80 | ((cp >> 12) & 0x3f);
            h1 = Math.imul(h1 ^ b, K_P1);
            h2 = Math.imul(h2 ^ b, K_P2);
            b = 0x80 | ((cp >> 6) & 0x3f);
            h1 = Math.imul(h1 ^ b, K_P1);
            h2 = Math.imul(h2 ^ b, K_P2);
          }
          b = 0x80 | (cp & 0x3f);
          h1 = Math.imul(h1 ^ b, K_P1);
          h2 = Math.imul(h2 ^ b, K_P2);
          inTok = true;
          continue;
        }
        cl = K_WS;
      } else if (cl === K_BAIL) return SLOW;
    }
    // Whitespace or end of text: close the token.
    if (inTok) {
      // = finishToken in hash.ts
      let t1 = h1 ^ (h1 >>> 15);
      t1 = Math.imul(t1, 0x2c1b3c6d);
      t1 ^= t1 >>> 12;
      let t2 = h2 ^ (h2 >>> 15);
      t2 = Math.imul(t2, 0x2c1b3c6d);
      t2 ^= t2 >>> 12;
      const k2 = k << 1;
      r1 = (Math.imul(r1, K_B1) + t1 - Math.imul(ring[k2], pn1)) | 0;
      r2 = (Math.imul(r2, K_B2) + t2 - Math.imul(ring[k2 + 1], pn2)) | 0;
      ring[k2] = t1;
      ring[k2 + 1] = t2;
      k = k + 1 === n ? 0 : k + 1;
      // Lookups are batched: a tight loop over independent loads keeps many cache misses in flight, where a
      // lookup per token stalls on each one (measured: about 2× faster on the full benchmark set).
      if (++cnt >= n) {
        hb[hn] = r1;
        hb[hn + 1] = r2;
        hn += 2;
        if (hn === hbLen) {
          flushLookups(hn, flushed);
          flushed += hn >> 1;
          hn = 0;
        }
      }
      inTok = false;
      h1 = K_SEED1;
      h2 = K_SEED2;
    }
    if (cl === K_END) {
      if (hn > 0) flushLookups(hn, flushed);
      lineTokens = cnt;
      return hitCount === 0 ? NO_HIT : HIT;
    }
  }
}
