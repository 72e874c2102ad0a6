import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../package-root.js';
import { B1, B2, MIX, P1, P2, powers, SEED1, SEED2 } from './hash.js';
import type { NgramTable } from './table.js';

/**
 * The corpus hot loop: janitor normalisation (A–Z → a–z, drop the 32 ASCII punctuation characters), Python
 * `str.split()` tokenisation and n-gram hashing in ONE pass over UTF-8 bytes, with no string or array allocated
 * per token. JSONL lines are not `JSON.parse`d: `locateJsonField` (json-field.ts) validates the line and finds
 * the text field, and the loop decodes its escapes on the fly.
 *
 * The byte loop itself is WebAssembly (wasm/hot-loop.ts, compiled by scripts/build-wasm.js): it hashes every
 * window and tests it against its own copy of the table's Bloom filter; this module probes the table for the
 * windows that pass.
 *
 * The loop is a filter. A line whose hashes hit the benchmark table (or that it cannot handle: invalid UTF-8,
 * odd JSON, a lone surrogate, a line over MAX_LINE) goes to the exact, string-based path, which re-tokenises it as
 * the reference normaliser does and compares tokens; so hash collisions cannot create matches, and the loop only
 * has to never miss one.
 */

export const NO_HIT = 0;
export const HIT = 1;
/** The loop cannot decide this line exactly; use the string path. */
export const SLOW = 2;

// Byte classes, as wasm/hot-loop.ts numbers them.
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

/** Lines longer than this take the string path (the loop's buffers grow to about 5× the longest line). */
const MAX_LINE = 32 << 20;
/** Most table hits of one line that `scanBytes` lists; a line with more is verified the long way. */
const MAX_HITS = 1 << 15;

/** The exports of hot-loop.wasm. */
interface HotLoop {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  tokens: { value: number };
  classTables(): number;
  foldTables(): void;
  freeBase(): number;
  constants(i: number): number;
  scan(
    p: number,
    end: number,
    json: number,
    n: number,
    pn1: number,
    pn2: number,
    out: number,
    bloom: number,
    bshift: number,
    cand: number,
  ): number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const WASM_FILE = join(PACKAGE_ROOT, 'dist/contamination/scan/hot-loop.wasm');

let wasm: HotLoop | undefined;
let U8 = new Uint8Array(0);
let I32 = new Int32Array(0);
/**
 * The loop's memory: its copy of the Bloom filter at BLOOM_AT, the input line at INPUT (CAPACITY bytes), every
 * window's hash pair at OUT (4 × CAPACITY + 8 bytes), then the windows that pass the filter at CAND.
 */
let BLOOM_AT = 0;
let INPUT = 0;
let CAPACITY = 0;
let OUT = 0;
/** Windows that passed the Bloom filter: (window, lane 1, lane 2), 12 bytes each. */
let CAND = 0;

function loadHotLoop(): HotLoop {
  let bytes: Buffer;
  try {
    bytes = readFileSync(WASM_FILE);
  } catch {
    throw new Error(`the scanner's WebAssembly is missing (${WASM_FILE}): run npm run build`);
  }
  // The project's type libraries (ES2023, Node) do not declare the WebAssembly global; Node has it.
  const { Module, Instance } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const instance = new Instance(new Module(bytes), {
    env: {
      abort: () => {
        throw new Error('the scanner hot loop aborted');
      },
    },
  });
  const x = instance.exports as unknown as HotLoop;
  const expected = [P1, P2, B1, B2, SEED1, SEED2, MIX];
  if (expected.some((v, i) => x.constants(i) !== v)) throw new Error('hot-loop.wasm and hash.ts disagree on constants');
  U8 = new Uint8Array(x.memory.buffer);
  U8.set(classTable(true), x.classTables());
  U8.set(classTable(false), x.classTables() + 256);
  x.foldTables();
  INPUT = x.freeBase();
  return x;
}

/** Makes room for a line of `len` bytes; false when it is over MAX_LINE. */
function reserve(len: number): boolean {
  if (len <= CAPACITY) return true;
  if (len > MAX_LINE) return false;
  const cap = Math.min(MAX_LINE, Math.max(len, CAPACITY * 2, 1 << 20));
  const out = (INPUT + cap + 7) & ~7;
  const cand = out + 4 * cap + 8;
  const need = cand + 6 * cap + 12;
  const mem = wasm!.memory;
  if (need > mem.buffer.byteLength) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  // Growing detaches the old views.
  U8 = new Uint8Array(mem.buffer);
  I32 = new Int32Array(mem.buffer);
  CAPACITY = cap;
  OUT = out;
  CAND = cand;
  return true;
}

let N = 13;
let PN1 = 0;
let PN2 = 0;
let SLOTS: Int32Array = new Int32Array(4);
let TBITS = 1;
let BBITS = 1;

export function useTable(t: NgramTable): void {
  wasm ??= loadHotLoop();
  // The loop's own copy of the Bloom filter (4 MB on the four benchmarks), in front of its buffers.
  BLOOM_AT = (wasm.freeBase() + 15) & ~15;
  INPUT = BLOOM_AT + t.bloom.byteLength;
  CAPACITY = 0;
  reserve(1 << 20);
  U8.set(new Uint8Array(t.bloom.buffer, t.bloom.byteOffset, t.bloom.byteLength), BLOOM_AT);
  N = t.n;
  [PN1, PN2] = powers(t.n);
  SLOTS = t.slots;
  TBITS = t.bits;
  BBITS = t.bloomBits;
}

/**
 * The table hits of the line `scanBytes` last returned HIT for, as (window index, table slot) pairs in window
 * order: window i is the n-gram starting at the line's token i. Only `hitCount` pairs are valid.
 */
export const HITS = new Int32Array(2 * MAX_HITS);
/** Valid pairs in HITS, or -1 when the line had more than fit (then HITS holds nothing usable). */
export let hitCount = 0;
/** Janitor tokens on the line `scanBytes` last scanned to its end. */
export let lineTokens = 0;

/** Looks up, in the table, the `count` windows at CAND (window, lane 1, lane 2) that passed the Bloom filter. */
function lookUp(count: number): void {
  const cand = I32;
  const first = CAND >> 2;
  const slots = SLOTS;
  const tshift = 32 - TBITS;
  const tmask = (1 << TBITS) - 1;
  for (let k = 0; k < count; k++) {
    const r1 = cand[first + 3 * k + 1];
    const r2 = cand[first + 3 * k + 2];
    let s = r1 >>> tshift;
    for (;;) {
      const o = s << 2;
      if (slots[o + 2] === 0) break;
      if (slots[o] === r1 && slots[o + 1] === r2) {
        if (hitCount >= 0) {
          if (hitCount === MAX_HITS) hitCount = -1;
          else {
            HITS[2 * hitCount] = cand[first + 3 * k];
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

/** Runs the byte loop on [p, end) of `buf`: the number of windows written at OUT, or -1 for the string path. */
function runLoop(buf: Uint8Array, p: number, end: number, json: boolean, filter: boolean): number {
  const len = end - p;
  if (!reserve(len)) return -1;
  // Buffer.copy: no view object per line.
  Buffer.prototype.copy.call(buf, U8, INPUT, p, end);
  const w = wasm!.scan(INPUT, INPUT + len, json ? 1 : 0, N, PN1, PN2, OUT, filter ? BLOOM_AT : 0, 32 - BBITS, CAND);
  if (w >= 0) lineTokens = wasm!.tokens.value;
  return w;
}

/**
 * Scans bytes [p, end): the contents of a JSON string (without quotes) when `json`, else a plain-text line.
 * Returns NO_HIT, HIT (some n-gram hash is in the table; HITS lists where, and lineTokens counts the line's tokens)
 * or SLOW. `useTable` must have been called.
 */
export function scanBytes(buf: Uint8Array, p: number, end: number, json: boolean): number {
  hitCount = 0;
  const w = runLoop(buf, p, end, json, true);
  if (w < 0) return SLOW;
  if (w > 0) lookUp(w);
  return hitCount === 0 ? NO_HIT : HIT;
}

/** The loop's window hashes for [p, end), interleaved (lane 1, lane 2), or undefined for the string path. */
export function lineWindows(buf: Uint8Array, p: number, end: number, json: boolean): Int32Array | undefined {
  const w = runLoop(buf, p, end, json, false);
  return w < 0 ? undefined : I32.slice(OUT >> 2, (OUT >> 2) + 2 * w);
}

const encoder = new TextEncoder();

/**
 * The janitor tokens' n-gram hashes of a string (as `ngramWindows(tokenHashes(janitorTokens(text)), n)`) and its
 * token count, computed by the byte loop without making a string per token; undefined when only the string path
 * is exact (a lone surrogate, which UTF-8 cannot carry). The scan hashes every benchmark item this way. The
 * hashes are a view of the loop's memory, valid until the next call.
 */
export function textWindows(text: string, n: number): { windows: Int32Array; tokens: number } | undefined {
  wasm ??= loadHotLoop();
  // ES2024's String.prototype.isWellFormed (Node 20 has it; the project's type library is ES2023).
  if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) return undefined;
  if (!reserve(3 * text.length)) return undefined;
  const { written } = encoder.encodeInto(text, U8.subarray(INPUT, INPUT + CAPACITY));
  const [pn1, pn2] = powers(n);
  const w = wasm.scan(INPUT, INPUT + written, 0, n, pn1, pn2, OUT, 0, 0, CAND);
  if (w < 0) return undefined;
  // A view into the loop's memory, valid until the next call: the caller copies what it keeps.
  return { windows: I32.subarray(OUT >> 2, (OUT >> 2) + 2 * w), tokens: wasm.tokens.value };
}
