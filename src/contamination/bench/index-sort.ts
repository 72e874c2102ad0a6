/**
 * Turns (key, item) entries into the index's columns: a radix sort by 64-bit key, then unique keys with the items
 * holding each (inline when one item does, else a run in `postings`).
 */

/** The flag of a `values` entry that points into `offsets` (item numbers stay below it). */
export const MULTI = 0x80000000;

export interface IndexColumns {
  keysHi: Uint32Array;
  keysLo: Uint32Array;
  values: Uint32Array;
  offsets: Uint32Array;
  postings: Uint32Array;
}

/** A growable triple of Uint32 columns (char indexes, whose size is not known up front). */
export class Entries {
  hi: Uint32Array;
  lo: Uint32Array;
  item: Uint32Array;
  length = 0;
  constructor(capacity = 1 << 16) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.item = new Uint32Array(capacity);
  }
  push(h: number, l: number, it: number): void {
    if (this.length === this.hi.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.hi = grow(this.hi);
      this.lo = grow(this.lo);
      this.item = grow(this.item);
    }
    this.hi[this.length] = h;
    this.lo[this.length] = l;
    this.item[this.length] = it;
    this.length++;
  }
}

/**
 * The radix sort's second set of columns, kept between builds: fresh memory is paid for page by page, and the
 * indexes of one check are built one after another.
 */
let scratchColumns: { hi: Uint32Array; lo: Uint32Array; item: Uint32Array } | undefined;

function sortScratch(n: number): { hi: Uint32Array; lo: Uint32Array; item: Uint32Array } {
  if (!scratchColumns || scratchColumns.hi.length < n) {
    // Room for the key starts `indexColumns` keeps there (n + 1), and for the next, usually larger, index.
    const size = Math.max(n + 1, (scratchColumns?.hi.length ?? 0) * 2);
    scratchColumns = { hi: new Uint32Array(size), lo: new Uint32Array(size), item: new Uint32Array(size) };
  }
  return scratchColumns;
}

/**
 * Sorts entries by the 64-bit key (hi, lo), items ascending within a key: a stable LSD radix sort on hi
 * (four 8-bit digits; 256 buckets keep the scattered writes in cache), then a small sort of the rare runs
 * whose hi is equal but lo differs (a 32-bit collision, or nothing at all most of the time).
 */
function radixSort(hi: Uint32Array, lo: Uint32Array, item: Uint32Array, n: number): void {
  let aH = hi;
  let aL = lo;
  let aI = item;
  const scratch = sortScratch(n);
  let bH: Uint32Array = scratch.hi;
  let bL: Uint32Array = scratch.lo;
  let bI: Uint32Array = scratch.item;
  const count = new Uint32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(aH[i] >>> shift) & 0xff]++;
    // All entries share this digit: the pass would not move anything.
    if (count[(aH[0] >>> shift) & 0xff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const pos = count[(aH[i] >>> shift) & 0xff]++;
      bH[pos] = aH[i];
      bL[pos] = aL[i];
      bI[pos] = aI[i];
    }
    [aH, bH] = [bH, aH];
    [aL, bL] = [bL, aL];
    [aI, bI] = [bI, aI];
  }
  if (aH !== hi) {
    hi.set(aH.subarray(0, n));
    lo.set(aL.subarray(0, n));
    item.set(aI.subarray(0, n));
  }
  for (let i = 0; i < n; ) {
    let j = i + 1;
    let mixed = false;
    while (j < n && hi[j] === hi[i]) {
      if (lo[j] !== lo[i]) mixed = true;
      j++;
    }
    if (mixed) {
      const run = Array.from({ length: j - i }, (_, k) => [lo[i + k], item[i + k]] as const);
      run.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      for (let k = 0; k < run.length; k++) {
        lo[i + k] = run[k][0];
        item[i + k] = run[k][1];
      }
    }
    i = j;
  }
}

export function indexColumns(
  hi: Uint32Array,
  lo: Uint32Array,
  item: Uint32Array,
  n: number,
  itemCount: number,
): IndexColumns {
  if (itemCount >= MULTI) throw new Error(`too many items to index: ${itemCount}`);
  radixSort(hi, lo, item, n);
  // Unique keys are written over the sorted key columns (k never passes i), postings over the item column; the
  // sort's spare column holds where each key's postings start.
  const starts = sortScratch(n + 1).hi;
  let k = -1;
  let p = 0;
  for (let i = 0; i < n; i++) {
    const h = hi[i];
    const l = lo[i];
    const it = item[i];
    if (k < 0 || h !== hi[k] || l !== lo[k]) {
      k++;
      hi[k] = h;
      lo[k] = l;
      starts[k] = p;
    } else if (item[p - 1] === it) continue; // the same item holds this n-gram twice
    item[p++] = it;
  }
  const keys = k + 1;
  starts[keys] = p;
  // Most n-grams occur in one item: its number goes in `values`; the others point into `offsets`/`postings`.
  const values = new Uint32Array(keys);
  let multi = 0;
  let shared = 0;
  for (let j = 0; j < keys; j++) {
    const count = starts[j + 1] - starts[j];
    if (count > 1) {
      multi++;
      shared += count;
    }
  }
  const offsets = new Uint32Array(multi + 1);
  const postings = new Uint32Array(shared);
  let m = 0;
  let q = 0;
  for (let j = 0; j < keys; j++) {
    const a = starts[j];
    const b = starts[j + 1];
    if (b - a === 1) values[j] = item[a];
    else {
      values[j] = MULTI | m;
      offsets[m++] = q;
      for (let x = a; x < b; x++) postings[q++] = item[x];
    }
  }
  offsets[multi] = q;
  // Views, not copies: the unused tails are small (repeated n-grams), and copying would touch fresh memory.
  return {
    keysHi: hi.subarray(0, keys),
    keysLo: lo.subarray(0, keys),
    values,
    offsets,
    postings,
  };
}
