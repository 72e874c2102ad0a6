import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256 } from '../../io/hash.js';
import type { BenchFormat, BenchItem } from './source.js';

/**
 * Parsed benchmark files, cached by content hash. `JSON.parse` of 40k records costs more than the whole warm
 * check, and a check reads only the items its n-grams hit (18 of 20,525 for the shipped exam against the pack):
 * so a load reads the header and length table, and an item's strings when the item is first read (see
 * `lazyItems`). A file that fails validation is parsed again.
 *
 * Layout: "HLDITEM1" | u32 headerLength | header JSON | zero padding to 4 | Uint32Array of 4 byte lengths per item
 * (id, text, solution, answer; 0xFFFFFFFF = absent) | all strings concatenated, UTF-8.
 */

const MAGIC = 'HLDITEM1';
const VERSION = 3;
const NONE = 0xffffffff;
const FIELDS = 4;

export interface CachedFile {
  format: BenchFormat;
  items: BenchItem[];
  badLines: { line: number; error: string }[];
  total: number;
}

export function itemCacheDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return join(env.HELDOUT_CACHE_DIR ? resolve(cwd, env.HELDOUT_CACHE_DIR) : resolve(cwd, '.heldout-cache'), 'items');
}

/** The cache file for one data file read with one id prefix and loader options. */
export function itemCacheFile(dir: string, key: string): string {
  return join(dir, `${sha256(`${VERSION}\0${key}`).slice(0, 32)}.items`);
}

export function writeItemCache(file: string, parsed: CachedFile): void {
  const lens = new Uint32Array(parsed.items.length * FIELDS);
  let room = 0;
  for (const it of parsed.items) {
    room += it.id.length + it.text.length + (it.solution?.length ?? 0) + (it.answer?.length ?? 0);
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit; pages past what is written are never touched.
  const body = Buffer.allocUnsafe(3 * room);
  let used = 0;
  let at = 0;
  const put = (s: string | undefined) => {
    if (s === undefined) lens[at++] = NONE;
    else {
      const n = body.write(s, used, 'utf8');
      lens[at++] = n;
      used += n;
    }
  };
  for (const it of parsed.items) {
    put(it.id);
    put(it.text);
    put(it.solution);
    put(it.answer);
  }
  const header = Buffer.from(
    JSON.stringify({
      version: VERSION,
      format: parsed.format,
      count: parsed.items.length,
      total: parsed.total,
      badLines: parsed.badLines,
    }),
  );
  const pad = (4 - ((12 + header.length) % 4)) % 4;
  const head = Buffer.alloc(12 + header.length + pad);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(header.length, 8);
  header.copy(head, 12);
  mkdirSync(resolve(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, head);
      writeSync(fd, Buffer.from(lens.buffer, lens.byteOffset, lens.byteLength));
      for (let done = 0; done < used; ) done += writeSync(fd, body, done, used - done);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    // A read-only cache only costs speed.
    rmSync(tmp, { force: true });
  }
}

/** Item reads served from the file one by one before the rest of it is read at once. */
const SINGLE_READS = 64;

/** Closes the file of an item list that was dropped before it read its whole body. */
const openFiles = new FinalizationRegistry<{ fd: number | undefined }>((h) => {
  if (h.fd !== undefined) closeSync(h.fd);
});

function readAt(fd: number, length: number, position: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, out, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? out : out.subarray(0, got);
}

/**
 * The cached items, or undefined when the file is missing or fails validation. Reads the header and the length
 * table; each item's strings are read when the item is first read (a warm check reads a few dozen of 20,000), and
 * the file stays open until then (so a cache cleaned meanwhile still serves it; writers replace, never modify).
 */
export function readItemCache(file: string): CachedFile | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  let keepOpen = false;
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, Math.min(size, 1 << 16), 0);
    if (head.length < 12 || head.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const headerLen = head.readUInt32LE(8);
    if (12 + headerLen > size) return undefined;
    const headerBuf = 12 + headerLen <= head.length ? head.subarray(12, 12 + headerLen) : readAt(fd, headerLen, 12);
    let header: {
      version: number;
      format: BenchFormat;
      count: number;
      total: number;
      badLines: CachedFile['badLines'];
    };
    try {
      header = JSON.parse(headerBuf.toString('utf8'));
    } catch {
      return undefined;
    }
    if (header.version !== VERSION || !Number.isInteger(header.count) || !Array.isArray(header.badLines))
      return undefined;
    let off = 12 + headerLen;
    off += (4 - (off % 4)) % 4;
    const n = header.count * FIELDS;
    if (off + 4 * n > size) return undefined;
    const lens = new Uint32Array(n);
    const lensBytes = off + 4 * n <= head.length ? head.subarray(off, off + 4 * n) : readAt(fd, 4 * n, off);
    new Uint8Array(lens.buffer).set(lensBytes);
    const bodyAt = off + 4 * n;
    // Where each item's strings start in the body; the lengths must add up to the body exactly.
    const starts = new Float64Array(header.count + 1);
    let p = 0;
    for (let i = 0; i < header.count; i++) {
      starts[i] = p;
      for (let f = 0; f < FIELDS; f++) if (lens[i * FIELDS + f] !== NONE) p += lens[i * FIELDS + f];
    }
    starts[header.count] = p;
    if (bodyAt + p !== size) return undefined;
    const handle: { fd: number | undefined } = { fd };
    let body: Buffer | undefined;
    let singleReads = 0;
    const bytesOf = (i: number): { buf: Buffer; at: number } => {
      if (!body && handle.fd !== undefined && singleReads < SINGLE_READS) {
        singleReads++;
        return { buf: readAt(handle.fd, starts[i + 1] - starts[i], bodyAt + starts[i]), at: 0 };
      }
      if (!body) {
        body = handle.fd === undefined ? Buffer.alloc(0) : readAt(handle.fd, p, bodyAt);
        if (handle.fd !== undefined) closeSync(handle.fd);
        handle.fd = undefined;
      }
      return { buf: body, at: starts[i] };
    };
    const decode = (i: number): BenchItem => {
      const { buf, at } = bytesOf(i);
      if (buf.length < at + starts[i + 1] - starts[i]) {
        throw new Error(`the item cache ${file} was cut short while in use`);
      }
      let a = at;
      const take = (f: number) => {
        const len = lens[i * FIELDS + f];
        if (len === NONE) return undefined;
        const s = buf.toString('utf8', a, a + len);
        a += len;
        return s;
      };
      const item: BenchItem = { id: take(0)!, text: take(1)! };
      const solution = take(2);
      if (solution !== undefined) item.solution = solution;
      const answer = take(3);
      if (answer !== undefined) item.answer = answer;
      return item;
    };
    const items = lazyItems(header.count, decode);
    if (header.count > 0) {
      keepOpen = true;
      openFiles.register(items, handle);
    }
    return { format: header.format, items, badLines: header.badLines, total: header.total };
  } finally {
    if (!keepOpen) closeSync(fd);
  }
}

const indexOf = (key: string | symbol, count: number): number => {
  if (typeof key !== 'string' || key.length === 0 || key.length > 10) return -1;
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57 || (c === 48 && key.length > 1)) return -1;
  const i = Number(key);
  return Number.isInteger(i) && i < count ? i : -1;
};

/**
 * An array of `count` items, each decoded by `decode` when it is first read and kept. A check reads the items its
 * n-grams hit, a few hundred of 14,000; anything that walks the whole array (a rebuild, `map`, `toEqual`) decodes
 * all of them and sees an ordinary array.
 */
export function lazyItems(count: number, decode: (i: number) => BenchItem): BenchItem[] {
  const target: BenchItem[] = new Array(count);
  const fill = (t: BenchItem[], i: number) => {
    let v = t[i];
    if (v === undefined) {
      v = decode(i);
      t[i] = v;
    }
    return v;
  };
  return new Proxy(target, {
    get(t, key, receiver) {
      const i = indexOf(key, count);
      return i >= 0 ? fill(t, i) : Reflect.get(t, key, receiver);
    },
    has(t, key) {
      return indexOf(key, count) >= 0 || Reflect.has(t, key);
    },
    getOwnPropertyDescriptor(t, key) {
      const i = indexOf(key, count);
      if (i >= 0) fill(t, i);
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    ownKeys(t) {
      for (let i = 0; i < count; i++) fill(t, i);
      return Reflect.ownKeys(t);
    },
  });
}
