// AssemblyScript, compiled to WebAssembly by scripts/build-wasm.js (not by tsc): the corpus scanner's byte loop.
//
// One pass over the UTF-8 bytes of a line (a JSON string's contents without its quotes, or a plain-text line) does
// the janitor normalisation (A–Z → a–z, the 32 ASCII punctuation characters dropped), Python `str.split()`
// tokenisation and the two-lane n-gram hashing of ../hash.ts, and writes each window's hash pair to `out`. The host
// (../hotloop.ts) looks the windows up in the benchmark table. A line it cannot handle exactly (invalid UTF-8, a
// raw control character or quote inside a JSON string, a bad escape) returns -1: the host sends it to the
// string path, which uses the reference normaliser.
//
// The same loop in JavaScript ran at 100–170 ms per 20 MB of the dense bench corpus, depending on how V8 compiled
// it in that process; this one runs at about 60 ms, the same every time.

// Byte classes, as written by the host into the class tables.
const TOK: u8 = 0;
const UP: u8 = 1;
const WS: u8 = 2;
const PUN: u8 = 3;
const ESC: u8 = 4;
const BAIL: u8 = 5;
const MB: u8 = 6;
const END: u8 = 7;

// Hash constants: the same numbers as ../hash.ts (the host checks `constants()` against it at start-up).
const P1: i32 = 0x01000193;
const P2: i32 = 0x5bd1e995;
const B1: i32 = 0x2545f491;
const B2: i32 = 0x9e3779b1;
const SEED1: i32 = 0x811c9dc5;
const SEED2: i32 = 0x9747b28c;
const MIX: i32 = 0x2c1b3c6d;

/** Class of each byte inside a JSON string (256 bytes), then of each byte of plain text (256 bytes). */
const CLASSES: usize = memory.data(512, 16);
/** The last n token hashes (two lanes), n ≤ 64. */
const RING: usize = memory.data(64 * 8, 16);

/** Tokens on the line last scanned to its end. */
export let tokens: i32 = 0;

/** The class tables again as fold tables (u16 per byte, JSON then text), made by `foldTables`. */
const FOLD: usize = memory.data(1024, 16);

/** Where the host may write the class tables. */
export function classTables(): usize {
  return CLASSES;
}

/** Derives the fold tables from the class tables (the host calls it once it has written those). */
export function foldTables(): void {
  for (let t: usize = 0; t < 2; t++) {
    for (let c: i32 = 0; c < 256; c++) {
      const k = load<u8>(CLASSES + t * 256 + c);
      const f = k == TOK ? c : k == UP ? c | 0x20 : k == PUN ? 0x100 : 0x200 + k;
      store<u16>(FOLD + t * 512 + ((<usize>c) << 1), <u16>f);
    }
  }
}

/** First byte the host may use for its input and output buffers. */
export function freeBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** The hash constants compiled in, for the host to compare with ../hash.ts. */
export function constants(i: i32): i32 {
  const all: StaticArray<i32> = [P1, P2, B1, B2, SEED1, SEED2, MIX];
  return i >= 0 && i < all.length ? all[i] : 0;
}

function hexVal(c: i32): i32 {
  if (<u32>(c - 0x30) < 10) return c - 0x30;
  c |= 0x20;
  if (<u32>(c - 0x61) < 6) return c - 0x57;
  return -1;
}

/** The value of the 4 hex digits at p, or -1. */
function hex4(p: usize): i32 {
  const a = hexVal(load<u8>(p));
  const b = hexVal(load<u8>(p + 1));
  const c = hexVal(load<u8>(p + 2));
  const d = hexVal(load<u8>(p + 3));
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** Python `str.isspace()` outside ASCII. */
function isPyWhitespace(cp: i32): bool {
  return (
    cp == 0x85 ||
    cp == 0xa0 ||
    cp == 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp == 0x2028 ||
    cp == 0x2029 ||
    cp == 0x202f ||
    cp == 0x205f ||
    cp == 0x3000
  );
}

/**
 * Tests the `w` windows at `out` against the Bloom filter at `bloom` (word: lane 2 >>> bshift, two bits from lane
 * 1, as ../table.ts sets them) and writes (window index, lane 1, lane 2) of those that pass to `cand`. A separate
 * tight loop: its loads overlap, where a test inside the hashing loop stalls it.
 */
function filter(out: usize, w: i32, bloom: usize, bshift: i32, cand: usize): i32 {
  let c: i32 = 0;
  for (let k: i32 = 0; k < w; k++) {
    const r1 = load<i32>(out + ((<usize>k) << 3));
    const r2 = load<i32>(out + ((<usize>k) << 3), 4);
    const m = (1 << (r1 & 31)) | (1 << ((r1 >>> 5) & 31));
    if ((load<i32>(bloom + ((<usize>(<u32>r2 >>> bshift)) << 2)) & m) == m) {
      const o = cand + <usize>c * 12;
      store<i32>(o, k);
      store<i32>(o, r1, 4);
      store<i32>(o, r2, 8);
      c++;
    }
  }
  return c;
}

/**
 * Scans bytes [p, end) and writes one (lane 1, lane 2) pair per n-gram window to `out`. With a Bloom filter
 * (`bloom` not 0), returns the number of windows that pass it, listed at `cand` by `filter`; without, the number of
 * windows. Sets `tokens`. Returns -1 when the line needs the string path. `pn1`/`pn2` are B^n per lane.
 */
export function scan(
  p: usize,
  end: usize,
  json: bool,
  n: i32,
  pn1: i32,
  pn2: i32,
  out: usize,
  bloom: usize,
  bshift: i32,
  cand: usize,
): i32 {
  const cls: usize = json ? CLASSES : CLASSES + 256;
  memory.fill(RING, 0, (<usize>n) << 3);
  let k: i32 = 0;
  let cnt: i32 = 0;
  let r1: i32 = 0;
  let r2: i32 = 0;
  let h1: i32 = SEED1;
  let h2: i32 = SEED2;
  let inTok = false;
  let w: i32 = 0;
  const fold: usize = json ? FOLD : FOLD + 512;
  while (true) {
    // Token characters, the common case, in a tight loop: the fold table gives the byte as hashed (A–Z lowered),
    // 0x100 for punctuation (dropped), 0x200 or more for anything that needs the cases below.
    while (p < end) {
      const f: i32 = load<u16>(fold + ((<usize>load<u8>(p)) << 1));
      if (f >= 0x100) {
        if (f != 0x100) break;
        p++;
        continue;
      }
      h1 = (h1 ^ f) * P1;
      h2 = (h2 ^ f) * P2;
      inTok = true;
      p++;
    }
    let c: i32 = 0;
    let cl: u8 = END;
    if (p < end) {
      c = load<u8>(p++);
      cl = load<u8>(cls + c);
      if (cl == MB) {
        // Validate the UTF-8 sequence (invalid → the string path, where TextDecoder's replacement applies) and spot
        // the non-ASCII whitespace Python splits on.
        let len: i32 = 0;
        let ws = false;
        if (c < 0xc2) return -1;
        if (c < 0xe0) {
          if (p >= end) return -1;
          const c1: i32 = load<u8>(p);
          if ((c1 & 0xc0) != 0x80) return -1;
          len = 1;
          ws = c == 0xc2 && (c1 == 0x85 || c1 == 0xa0);
        } else if (c < 0xf0) {
          if (p + 1 >= end) return -1;
          const c1: i32 = load<u8>(p);
          const c2: i32 = load<u8>(p + 1);
          if ((c1 & 0xc0) != 0x80 || (c2 & 0xc0) != 0x80) return -1;
          if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) return -1;
          len = 2;
          if (c == 0xe2) {
            ws = (c1 == 0x80 && (c2 <= 0x8a || c2 == 0xa8 || c2 == 0xa9 || c2 == 0xaf)) || (c1 == 0x81 && c2 == 0x9f);
          } else if (c == 0xe1) ws = c1 == 0x9a && c2 == 0x80;
          else if (c == 0xe3) ws = c1 == 0x80 && c2 == 0x80;
        } else if (c < 0xf5) {
          if (p + 2 >= end) return -1;
          const c1: i32 = load<u8>(p);
          if ((c1 & 0xc0) != 0x80 || (load<u8>(p + 1) & 0xc0) != 0x80 || (load<u8>(p + 2) & 0xc0) != 0x80) return -1;
          if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90)) return -1;
          len = 3;
        } else return -1;
        if (!ws) {
          h1 = (h1 ^ c) * P1;
          h2 = (h2 ^ c) * P2;
          for (let j: i32 = 0; j < len; j++) {
            const b: i32 = load<u8>(p + j);
            h1 = (h1 ^ b) * P1;
            h2 = (h2 ^ b) * P2;
          }
          p += len;
          inTok = true;
          continue;
        }
        p += len;
        cl = WS;
      } else if (cl == ESC) {
        if (p >= end) return -1;
        const e: i32 = load<u8>(p++);
        let cp: i32 = 0;
        if (e == 0x6e || e == 0x74 || e == 0x72 || e == 0x66) cp = 0x20;
        else if (e == 0x22 || e == 0x5c || e == 0x2f) continue;
        else if (e == 0x62) cp = 8;
        else if (e == 0x75) {
          if (p + 4 > end) return -1;
          cp = hex4(p);
          if (cp < 0) return -1;
          p += 4;
          if (cp >= 0xd800 && cp <= 0xdbff && p + 6 <= end && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75) {
            const lo = hex4(p + 2);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              p += 6;
            }
          }
          // A lone surrogate: once the janitor deletes the punctuation between two of them ("\ud800\"\udc00"),
          // the string side sees one code point where this loop would see two. The string path decides.
          if (cp >= 0xd800 && cp <= 0xdfff) return -1;
        } else return -1;
        if (cp < 0x80) {
          const cl2 = load<u8>(CLASSES + 256 + cp);
          if (cl2 == PUN) continue;
          if (cl2 != WS) {
            if (cl2 == UP) cp |= 0x20;
            h1 = (h1 ^ cp) * P1;
            h2 = (h2 ^ cp) * P2;
            inTok = true;
            continue;
          }
        } else if (!isPyWhitespace(cp)) {
          // The code point's UTF-8 bytes, as the string side hashes them.
          let b: i32;
          if (cp < 0x800) {
            b = 0xc0 | (cp >> 6);
            h1 = (h1 ^ b) * P1;
            h2 = (h2 ^ b) * P2;
          } else if (cp < 0x10000) {
            b = 0xe0 | (cp >> 12);
            h1 = (h1 ^ b) * P1;
            h2 = (h2 ^ b) * P2;
            b = 0x80 | ((cp >> 6) & 0x3f);
            h1 = (h1 ^ b) * P1;
            h2 = (h2 ^ b) * P2;
          } else {
            b = 0xf0 | (cp >> 18);
            h1 = (h1 ^ b) * P1;
            h2 = (h2 ^ b) * P2;
            b = 0x80 | ((cp >> 12) & 0x3f);
            h1 = (h1 ^ b) * P1;
            h2 = (h2 ^ b) * P2;
            b = 0x80 | ((cp >> 6) & 0x3f);
            h1 = (h1 ^ b) * P1;
            h2 = (h2 ^ b) * P2;
          }
          b = 0x80 | (cp & 0x3f);
          h1 = (h1 ^ b) * P1;
          h2 = (h2 ^ b) * P2;
          inTok = true;
          continue;
        }
        cl = WS;
      } else if (cl == BAIL) return -1;
    }
    // Whitespace or end of text: close the token (finishToken in ../hash.ts), roll it into the window.
    if (inTok) {
      let t1 = h1 ^ <i32>(<u32>h1 >>> 15);
      t1 = t1 * MIX;
      t1 ^= <i32>(<u32>t1 >>> 12);
      let t2 = h2 ^ <i32>(<u32>h2 >>> 15);
      t2 = t2 * MIX;
      t2 ^= <i32>(<u32>t2 >>> 12);
      const slot: usize = RING + ((<usize>k) << 3);
      r1 = r1 * B1 + t1 - load<i32>(slot) * pn1;
      r2 = r2 * B2 + t2 - load<i32>(slot, 4) * pn2;
      store<i32>(slot, t1);
      store<i32>(slot, t2, 4);
      k = k + 1 == n ? 0 : k + 1;
      if (++cnt >= n) {
        const o: usize = out + ((<usize>w) << 3);
        store<i32>(o, r1);
        store<i32>(o, r2, 4);
        w++;
      }
      inTok = false;
      h1 = SEED1;
      h2 = SEED2;
    }
    if (cl == END) {
      tokens = cnt;
      return bloom == 0 ? w : filter(out, w, bloom, bshift, cand);
    }
  }
  return -1;
}
