import { type NgramHasher, ngramHashesInto, stringHash2 } from '../hash.js';
import { gpt4Chars } from '../text/normalize.js';
import { type WordNormalization, wordTokens } from '../text/tokens.js';
import { Entries, indexColumns, MULTI } from './index-sort.js';
import type { BenchItem } from './source.js';
import {
  appendHash,
  appendTokenHashes,
  codeUnitHash2,
  fastTokensApply,
  gpt4CharCodes,
  type HashColumns,
} from './token-hashes.js';

/**
 * An inverted index from hashed n-grams to the benchmark items that contain them, in typed arrays:
 * sorted unique 64-bit keys (two Uint32Arrays), CSR offsets and item-number postings. It answers
 * "which items may contain this n-gram"; callers verify candidates against the real tokens.
 */

/** Bumped when hashing, tokenising or the layout changes, so stale cache files are rebuilt. */
export const INDEX_VERSION = 4;

/** Characters per indexed gram for the 50-character rule, and the stride between indexed grams. */
export const CHAR_GRAM = 25;

export interface IndexSpec {
  /** `word`: every word n-gram; `char`: letter-and-digit grams of CHAR_GRAM characters every CHAR_GRAM positions. */
  kind: 'word' | 'char';
  /** Which text of each item: the question (`text`) or the reference `solution`. */
  field: 'text' | 'solution';
  n: number;
  /** `normalizationId(...)` for word indexes, `gpt4chars` for char indexes. */
  normalization: string;
}

export interface NgramIndex {
  spec: IndexSpec;
  sourceHash: string;
  itemCount: number;
  keysHi: Uint32Array;
  keysLo: Uint32Array;
  /**
   * Per key: the one item holding it, or `MULTI | m` when several do: they are `postings[offsets[m] ..
   * offsets[m+1])`. Most n-grams occur in one item, so this is a quarter smaller than offsets for every key.
   */
  values: Uint32Array;
  offsets: Uint32Array;
  postings: Uint32Array;
}

export function specId(spec: IndexSpec): string {
  return `${spec.kind}:${spec.field}:${spec.n}:${spec.normalization}`;
}

export interface BuildOptions {
  /** Replaces the n-gram hash (tests force collisions with it). */
  hasher?: NgramHasher;
  language?: string;
}

export function fieldText(item: BenchItem, field: IndexSpec['field']): string {
  return (field === 'solution' ? item.solution : item.text) ?? '';
}

/** Every item's tokens as hash halves, concatenated; `starts[i]..starts[i+1]` are item i's. */
export interface TokenStream {
  h1: Uint32Array;
  h2: Uint32Array;
  starts: Uint32Array;
}

export function tokenStream(
  items: readonly BenchItem[],
  field: IndexSpec['field'],
  norm: WordNormalization,
  language?: string,
): TokenStream {
  const starts = new Uint32Array(items.length + 1);
  // A token takes at least one character, so the characters bound the tokens (LaTeX clean-up may add a few; the
  // columns then grow). Pages past what is written are never touched, so the bound costs nothing.
  let chars = 0;
  for (const item of items) chars += fieldText(item, field).length;
  const out: HashColumns = { h1: new Uint32Array(chars + 1), h2: new Uint32Array(chars + 1), length: 0 };
  const fast = fastTokensApply(norm, language);
  for (let it = 0; it < items.length; it++) {
    starts[it] = out.length;
    const text = fieldText(items[it], field);
    if (!text) continue;
    if (fast) appendTokenHashes(text, norm, out);
    else {
      for (const t of wordTokens(text, norm, language)) {
        const [a, b] = stringHash2(t);
        appendHash(out, a, b);
      }
    }
  }
  starts[items.length] = out.length;
  return { h1: out.h1.subarray(0, out.length), h2: out.h2.subarray(0, out.length), starts };
}

export function buildWordIndexFromStream(
  stream: TokenStream,
  spec: IndexSpec,
  sourceHash: string,
  opts: { hasher?: NgramHasher } = {},
): NgramIndex {
  const n = spec.n;
  const itemCount = stream.starts.length - 1;
  let total = 0;
  for (let it = 0; it < itemCount; it++) total += Math.max(0, stream.starts[it + 1] - stream.starts[it] - n + 1);
  const hi = new Uint32Array(total);
  const lo = new Uint32Array(total);
  const item = new Uint32Array(total);
  let w = 0;
  for (let it = 0; it < itemCount; it++) {
    const from = stream.starts[it];
    const to = stream.starts[it + 1];
    if (to - from < n) continue;
    const before = w;
    if (opts.hasher) {
      for (let i = from; i + n <= to; i++) {
        const [a, b] = opts.hasher(stream.h1, stream.h2, i, n);
        hi[w] = a;
        lo[w] = b;
        w++;
      }
    } else w += ngramHashesInto(stream.h1, stream.h2, from, to, n, hi, lo, w);
    item.fill(it, before, w);
  }
  return { spec, sourceHash, itemCount, ...indexColumns(hi, lo, item, total, itemCount) };
}

export function buildWordIndex(
  items: readonly BenchItem[],
  spec: IndexSpec,
  norm: WordNormalization,
  sourceHash: string,
  opts: BuildOptions = {},
): NgramIndex {
  return buildWordIndexFromStream(tokenStream(items, spec.field, norm, opts.language), spec, sourceHash, opts);
}

/** Hash of `s[start, start+len)` for char grams; exported so queries hash exactly as the index did. */
export function charGramHash(s: string, start: number, len: number): [number, number] {
  return stringHash2(s, start, start + len);
}

export function buildCharIndex(
  items: readonly BenchItem[],
  spec: IndexSpec,
  sourceHash: string,
  opts: { hasher?: (s: string, start: number, len: number) => [number, number] } = {},
): NgramIndex {
  const g = spec.n;
  let grams = 0;
  for (const item of items) grams += Math.floor(fieldText(item, spec.field).length / g);
  const entries = new Entries(grams + 1);
  for (let it = 0; it < items.length; it++) {
    const text = fieldText(items[it], spec.field);
    if (opts.hasher) {
      const s = gpt4Chars(text);
      for (let p = 0; p + g <= s.length; p += g) {
        const [hi, lo] = opts.hasher(s, p, g);
        entries.push(hi, lo, it);
      }
      continue;
    }
    const { codes, length } = gpt4CharCodes(text);
    for (let p = 0; p + g <= length; p += g) {
      const [hi, lo] = codeUnitHash2(codes, p, p + g);
      entries.push(hi, lo, it);
    }
  }
  return {
    spec,
    sourceHash,
    itemCount: items.length,
    ...indexColumns(entries.hi, entries.lo, entries.item, entries.length, items.length),
  };
}

/** The items that may hold the n-gram with this hash (a view; do not modify). */
export function lookup(index: NgramIndex, hi: number, lo: number): Uint32Array {
  const { keysHi, keysLo } = index;
  let a = 0;
  let b = keysHi.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    const mh = keysHi[m];
    if (mh < hi || (mh === hi && keysLo[m] < lo)) a = m + 1;
    else b = m;
  }
  if (a < keysHi.length && keysHi[a] === hi && keysLo[a] === lo) {
    const v = index.values[a];
    if (v < MULTI) return index.values.subarray(a, a + 1);
    const m = v - MULTI;
    return index.postings.subarray(index.offsets[m], index.offsets[m + 1]);
  }
  return EMPTY;
}
const EMPTY = new Uint32Array(0);

export function indexBytes(index: NgramIndex): number {
  return (
    index.keysHi.byteLength +
    index.keysLo.byteLength +
    index.values.byteLength +
    index.offsets.byteLength +
    index.postings.byteLength
  );
}

// ---- On-disk format -------------------------------------------------------------------------------------
// "HLDNGIX1" | u32 metaLength | meta JSON (UTF-8) | zero padding to 4 | keysHi | keysLo | values | offsets |
// postings. All integers little-endian. Loading is one read: the arrays are views of the file's buffer.

const MAGIC = 'HLDNGIX1';

interface IndexMeta {
  version: number;
  spec: IndexSpec;
  sourceHash: string;
  itemCount: number;
  keys: number;
  /** Keys held by several items (the length of `offsets` less one). */
  shared: number;
  postings: number;
}

/** The index file's bytes in order, as views of the index's arrays (written with `writev`, no copy). */
export function indexFileParts(index: NgramIndex): Buffer[] {
  const meta: IndexMeta = {
    version: INDEX_VERSION,
    spec: index.spec,
    sourceHash: index.sourceHash,
    itemCount: index.itemCount,
    keys: index.keysHi.length,
    shared: index.offsets.length - 1,
    postings: index.postings.length,
  };
  const metaBuf = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = 8 + 4 + metaBuf.length;
  const pad = (4 - (head % 4)) % 4;
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1'), Buffer.alloc(4), metaBuf, Buffer.alloc(pad)];
  parts[1].writeUInt32LE(metaBuf.length, 0);
  for (const a of [index.keysHi, index.keysLo, index.values, index.offsets, index.postings]) {
    parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  return parts;
}

export function serializeIndex(index: NgramIndex): Buffer {
  return Buffer.concat(indexFileParts(index));
}

/** Why a cached index cannot be used, or the index. Checks the layout, the key and every offset and posting. */
export function deserializeIndex(
  buf: Buffer,
  expected: { spec: IndexSpec; sourceHash: string; itemCount: number },
): NgramIndex | { invalid: string } {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return { invalid: 'not an index file' };
  const metaLen = buf.readUInt32LE(8);
  if (12 + metaLen > buf.length) return { invalid: 'truncated header' };
  let meta: IndexMeta;
  try {
    meta = JSON.parse(buf.toString('utf8', 12, 12 + metaLen)) as IndexMeta;
  } catch {
    return { invalid: 'corrupt header' };
  }
  if (meta.version !== INDEX_VERSION) return { invalid: `index version ${meta.version}, need ${INDEX_VERSION}` };
  if (!meta.spec || specId(meta.spec) !== specId(expected.spec)) return { invalid: 'built for another rule' };
  if (meta.sourceHash !== expected.sourceHash || meta.itemCount !== expected.itemCount) {
    return { invalid: 'built from another version of the benchmark' };
  }
  let off = 12 + metaLen;
  off += (4 - (off % 4)) % 4;
  const K = meta.keys;
  const M = meta.shared;
  const P = meta.postings;
  const words = 3 * K + (M + 1) + P;
  const need = off + 4 * words;
  if (!Number.isInteger(K) || !Number.isInteger(M) || !Number.isInteger(P) || buf.length !== need) {
    return { invalid: `size ${buf.length} bytes, expected ${need}` };
  }
  // A view when the bytes are 4-aligned (large reads are), else a copy.
  let body: Uint32Array;
  if ((buf.byteOffset + off) % 4 === 0) body = new Uint32Array(buf.buffer, buf.byteOffset + off, words);
  else {
    body = new Uint32Array(words);
    new Uint8Array(body.buffer).set(buf.subarray(off, off + 4 * words));
  }
  let w = 0;
  const take = (len: number) => {
    const a = body.subarray(w, w + len);
    w += len;
    return a;
  };
  const keysHi = take(K);
  const keysLo = take(K);
  const values = take(K);
  const offsets = take(M + 1);
  const postings = take(P);
  const items = meta.itemCount;
  // Each shared key points at the next run of postings, in order, so every run is reached exactly once.
  let m = 0;
  let prevHi = -1;
  let prevLo = -1;
  for (let k = 0; k < K; k++) {
    const h = keysHi[k];
    const l = keysLo[k];
    if (h < prevHi || (h === prevHi && l <= prevLo)) return { invalid: 'keys out of order' };
    prevHi = h;
    prevLo = l;
    const v = values[k];
    if (v < MULTI) {
      if (v >= items) return { invalid: 'posting out of range' };
    } else if (v - MULTI !== m++) return { invalid: 'bad offsets' };
  }
  if (m !== M || offsets[0] !== 0 || offsets[M] !== P) return { invalid: 'bad offsets' };
  for (let j = 0; j < M; j++) if (offsets[j + 1] < offsets[j] + 2) return { invalid: 'bad offsets' };
  for (let p = 0; p < P; p++) if (postings[p] >= items) return { invalid: 'posting out of range' };
  return { spec: meta.spec, sourceHash: meta.sourceHash, itemCount: items, keysHi, keysLo, values, offsets, postings };
}
