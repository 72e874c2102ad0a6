import { forEachNgramHash, tokenHashes } from './hash.js';

/**
 * The benchmark n-gram set as flat typed arrays on SharedArrayBuffers, so worker threads use one copy.
 *
 * - `slots`: open addressing with linear probing, 4 int32 per slot: hash lane 1, lane 2, 1 + start in `occ`
 *   (0 = empty), number of occurrences.
 * - `occ`: (item index, token position) pairs, grouped per slot: every place the n-gram occurs.
 * - `bloom`: a blocked Bloom filter (2 bits in one 32-bit word) that fits in cache and rejects almost every
 *   corpus n-gram before it touches the big table.
 */
export interface NgramTable {
  n: number;
  bits: number;
  slots: Int32Array;
  bloomBits: number;
  bloom: Int32Array;
  occ: Int32Array;
  /** Distinct n-gram hashes. */
  distinct: number;
  /** All n-gram windows over all items. */
  windows: number;
}

function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, length) * 4));
}

function log2ceil(x: number): number {
  let b = 0;
  while (1 << b < x && b < 30) b++;
  return b;
}

export function bloomTest(t: NgramTable, h1: number, h2: number): boolean {
  const m = (1 << (h1 & 31)) | (1 << ((h1 >>> 5) & 31));
  return (t.bloom[h2 >>> (32 - t.bloomBits)] & m) === m;
}

/** Slot index holding (h1, h2), or -1. */
export function findSlot(t: NgramTable, h1: number, h2: number): number {
  const slots = t.slots;
  const mask = (1 << t.bits) - 1;
  let s = h1 >>> (32 - t.bits);
  for (;;) {
    const o = s << 2;
    if (slots[o + 2] === 0) return -1;
    if (slots[o] === h1 && slots[o + 1] === h2) return s;
    s = (s + 1) & mask;
  }
}

/** Builds the table from each item's janitor tokens. Items shorter than n contribute nothing. */
export function buildNgramTable(itemTokens: string[][], n: number): NgramTable {
  return buildNgramTableFromWindows(flattenWindows(itemTokens.map((t) => ngramWindows(tokenHashes(t), n))), n);
}

/** Every item's n-gram hashes in one array: item k's windows are pairs[2 · starts[k] …  2 · starts[k + 1]). */
export interface ItemWindows {
  pairs: Int32Array;
  starts: Int32Array;
}

export function flattenWindows(list: Int32Array[]): ItemWindows {
  const starts = new Int32Array(list.length + 1);
  list.forEach((w, k) => {
    starts[k + 1] = starts[k] + w.length / 2;
  });
  const pairs = new Int32Array(2 * starts[list.length]);
  list.forEach((w, k) => {
    pairs.set(w, 2 * starts[k]);
  });
  return { pairs, starts };
}

/** The n-gram hashes (lane 1, lane 2 per window) of one text's token hashes (`tokenHashes`). */
export function ngramWindows(tokenHashes: Int32Array, n: number): Int32Array {
  const out = new Int32Array(2 * Math.max(0, tokenHashes.length / 2 - n + 1));
  forEachNgramHash(tokenHashes, n, (i, h1, h2) => {
    out[2 * i] = h1;
    out[2 * i + 1] = h2;
  });
  return out;
}

/**
 * Builds the table from the items' n-gram hashes. The scan passes hashes in one flat array, not token strings
 * or an array per item, so that the benchmarks leave no millions of small objects on the heap.
 */
export function buildNgramTableFromWindows(items: ItemWindows, n: number): NgramTable {
  const eh = items.pairs;
  const windows = eh.length / 2;
  const eitem = new Int32Array(windows);
  const epos = new Int32Array(windows);
  for (let it = 0; it + 1 < items.starts.length; it++) {
    for (let w = items.starts[it]; w < items.starts[it + 1]; w++) {
      eitem[w] = it;
      epos[w] = w - items.starts[it];
    }
  }
  const bits = Math.max(10, log2ceil(Math.ceil(windows / 0.6)));
  const mask = (1 << bits) - 1;
  const slots = sharedInt32((1 << bits) * 4);
  const counts = new Int32Array(1 << bits);
  const slotOf = new Int32Array(windows);
  let distinct = 0;
  for (let e = 0; e < windows; e++) {
    const h1 = eh[2 * e];
    const h2 = eh[2 * e + 1];
    let s = h1 >>> (32 - bits);
    for (;;) {
      const o = s << 2;
      if (slots[o + 2] === 0) {
        slots[o] = h1;
        slots[o + 1] = h2;
        slots[o + 2] = 1;
        distinct++;
        break;
      }
      if (slots[o] === h1 && slots[o + 1] === h2) break;
      s = (s + 1) & mask;
    }
    slotOf[e] = s;
    counts[s]++;
  }
  // Counting sort of the occurrences by slot.
  const start = new Int32Array(1 << bits);
  let acc = 0;
  for (let s = 0; s <= mask; s++) {
    start[s] = acc;
    if (counts[s] > 0) {
      slots[(s << 2) + 2] = acc + 1;
      slots[(s << 2) + 3] = counts[s];
    }
    acc += counts[s];
  }
  const occ = sharedInt32(windows * 2);
  for (let e = 0; e < windows; e++) {
    const k = start[slotOf[e]]++;
    occ[2 * k] = eitem[e];
    occ[2 * k + 1] = epos[e];
  }
  const bloomBits = Math.max(6, log2ceil(Math.ceil((windows * 16) / 32)));
  const bloom = sharedInt32(1 << bloomBits);
  for (let e = 0; e < windows; e++) {
    const h1 = eh[2 * e];
    bloom[eh[2 * e + 1] >>> (32 - bloomBits)] |= (1 << (h1 & 31)) | (1 << ((h1 >>> 5) & 31));
  }
  return { n, bits, slots, bloomBits, bloom, occ, distinct, windows };
}
