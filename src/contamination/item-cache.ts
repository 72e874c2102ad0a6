import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256 } from '../io/hash.js';
import type { BenchFormat, BenchItem } from './benchmarks.js';

/**
 * Parsed benchmark files, cached by content hash: `JSON.parse` of 40k records costs more than the whole warm
 * check, while slicing one decoded string is nearly free. A file that fails validation is parsed again.
 *
 * Layout: "HLDITEM1" | u32 headerLength | header JSON | zero padding to 4 | Uint32Array of 3 lengths per item
 * (id, text, solution; 0xFFFFFFFF = no solution), in UTF-16 code units | all strings concatenated, UTF-16LE.
 */

const MAGIC = 'HLDITEM1';
const VERSION = 2;
const NONE = 0xffffffff;

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
  const lens = new Uint32Array(parsed.items.length * 3);
  const parts: string[] = [];
  parsed.items.forEach((it, i) => {
    lens[3 * i] = it.id.length;
    lens[3 * i + 1] = it.text.length;
    lens[3 * i + 2] = it.solution === undefined ? NONE : it.solution.length;
    parts.push(it.id, it.text, it.solution ?? '');
  });
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
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(header.length, 8);
  // UTF-16LE: decoding it back is a copy, several times faster than UTF-8 on text with curly quotes.
  const body = Buffer.from(parts.join(''), 'utf16le');
  mkdirSync(resolve(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([head, header, Buffer.alloc(pad), Buffer.from(lens.buffer), body]));
    renameSync(tmp, file);
  } catch {
    // A read-only cache only costs speed.
    rmSync(tmp, { force: true });
  }
}

export function readItemCache(file: string): CachedFile | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const headerLen = buf.readUInt32LE(8);
  if (12 + headerLen > buf.length) return undefined;
  let header: { version: number; format: BenchFormat; count: number; total: number; badLines: CachedFile['badLines'] };
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLen));
  } catch {
    return undefined;
  }
  if (header.version !== VERSION || !Number.isInteger(header.count) || !Array.isArray(header.badLines))
    return undefined;
  let off = 12 + headerLen;
  off += (4 - (off % 4)) % 4;
  const n = header.count * 3;
  if (off + 4 * n > buf.length) return undefined;
  const lens = new Uint32Array(n);
  new Uint8Array(lens.buffer).set(buf.subarray(off, off + 4 * n));
  if ((buf.length - off - 4 * n) % 2 !== 0) return undefined;
  const text = buf.toString('utf16le', off + 4 * n);
  let expected = 0;
  for (let i = 0; i < n; i++) if (lens[i] !== NONE) expected += lens[i];
  if (expected !== text.length) return undefined;
  const items: BenchItem[] = new Array(header.count);
  let p = 0;
  for (let i = 0; i < header.count; i++) {
    const a = p + lens[3 * i];
    const b = a + lens[3 * i + 1];
    const sl = lens[3 * i + 2];
    const id = text.slice(p, a);
    const body = text.slice(a, b);
    if (sl === NONE) {
      items[i] = { id, text: body };
      p = b;
    } else {
      items[i] = { id, text: body, solution: text.slice(b, b + sl) };
      p = b + sl;
    }
  }
  return { format: header.format, items, badLines: header.badLines, total: header.total };
}
