import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { HeldoutError } from '../../errors.js';
import { displayPath } from '../../io/files.js';
import { sha256 } from '../../io/hash.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { itemCacheDir, itemCacheFile, readItemCache, writeItemCache } from './item-cache.js';
import type { BenchItem, BenchmarkSource, KnownBenchmark } from './source.js';

/**
 * The offline benchmark pack: the test splits of GSM8K, MATH, MMLU and HumanEval, one brotli-compressed JSONL
 * file each, with the upstream licence text, where the copy came from, the record count and sha256. It is the
 * only place benchmark text enters the repository; `heldout bench pack` rebuilds it byte for byte.
 */

export const PACK_FORMAT = 'heldout-bench-pack/1';
/** Where the pack ships, inside heldout's own folder. */
export const DEFAULT_PACK_DIR = join(PACKAGE_ROOT, 'data', 'benchmark-pack');
export const PACK_BENCHMARKS = ['gsm8k', 'math', 'mmlu', 'humaneval'] as const satisfies readonly KnownBenchmark[];

export interface PackEntry {
  name: KnownBenchmark;
  split: 'test';
  /** The compressed JSONL file, one `{id, text, solution?, answer?}` per line. */
  file: string;
  records: number;
  /** sha256 of the uncompressed JSONL: what the loader checks. */
  sha256: string;
  /** sha256 and size of the compressed file as stored. */
  fileSha256: string;
  bytes: number;
  licence: { name: 'MIT'; file: string };
  /** Where the copy came from (the SOURCE.md of the folder, or the cache's SOURCE.json), kept beside it. */
  source: { file: string; upstream: string; project: string };
}

export interface PackManifest {
  format: typeof PACK_FORMAT;
  note: string;
  benchmarks: PackEntry[];
}

export const manifestFile = (dir: string): string => join(dir, 'pack.json');

/** `$HELDOUT_PACK_DIR` (another pack, or `none` to do without one), else the pack shipped with heldout. */
export function activePackDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.HELDOUT_PACK_DIR;
  if (v === 'none') return undefined;
  return v ? resolve(v) : DEFAULT_PACK_DIR;
}

let manifestMemo: { dir: string; manifest: PackManifest | undefined } | undefined;

/** The pack's manifest, or undefined when there is no pack there. */
export function readPackManifest(dir = activePackDir()): PackManifest | undefined {
  if (dir === undefined) return undefined;
  if (manifestMemo?.dir === dir) return manifestMemo.manifest;
  const file = manifestFile(dir);
  let manifest: PackManifest | undefined;
  if (existsSync(file)) {
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8')) as PackManifest;
    } catch (err) {
      throw new HeldoutError(`the benchmark pack's manifest is not JSON: ${(err as Error).message}`, {
        where: displayPath(file),
        hint: 'rebuild it with `heldout bench pack --from ../shared/benchmarks`',
      });
    }
    if (manifest?.format !== PACK_FORMAT || !Array.isArray(manifest.benchmarks)) {
      throw new HeldoutError(`not a benchmark pack (format ${String(manifest?.format)}, expected ${PACK_FORMAT})`, {
        where: displayPath(file),
      });
    }
  }
  manifestMemo = { dir, manifest };
  return manifest;
}

/** After a pack is (re)written, the next read sees its new manifest. */
export function forgetPackManifest(): void {
  manifestMemo = undefined;
}

export function packHas(name: KnownBenchmark, dir = activePackDir()): boolean {
  return readPackManifest(dir)?.benchmarks.some((b) => b.name === name) ?? false;
}

export interface PackRecord {
  id: string;
  text: string;
  solution?: string;
  answer?: string;
}

/**
 * One benchmark from the pack, checked against the manifest's sha256 (of the stored file, then of the JSONL) and
 * count. Parsed items are cached by the stored file's hash, like any benchmark file: a warm check then reads the
 * cache in one go and decodes only the items it reads, instead of decompressing and parsing 11 MB of JSONL.
 */
export function loadPackSource(
  name: KnownBenchmark,
  opts: { label?: string; packDir?: string; itemCacheDir?: string | false } = {},
): BenchmarkSource {
  const dir = opts.packDir ?? activePackDir() ?? DEFAULT_PACK_DIR;
  const entry = readPackManifest(dir)?.benchmarks.find((b) => b.name === name);
  if (!entry) throw new HeldoutError(`the benchmark pack has no ${name}`, { where: displayPath(dir) });
  const file = join(dir, entry.file);
  const damaged = (what: string) =>
    new HeldoutError(`the benchmark pack's ${name} does not match its manifest (${what})`, {
      where: displayPath(file),
      hint: 'the file is damaged or was edited; rebuild it with `heldout bench pack --from ../shared/benchmarks`',
    });
  let packed: Buffer;
  try {
    packed = readFileSync(file);
  } catch (err) {
    throw new HeldoutError(`cannot read the benchmark pack: ${(err as Error).message}`, {
      where: displayPath(file),
      hint: 'rebuild it with `heldout bench pack --from ../shared/benchmarks`',
    });
  }
  if (sha256(packed) !== entry.fileSha256) throw damaged('sha256 of the file');
  const cacheFile =
    opts.itemCacheDir === false
      ? undefined
      : itemCacheFile(opts.itemCacheDir ?? itemCacheDir(), `pack\0${name}\0${entry.fileSha256}\0${entry.sha256}`);
  let items = cacheFile ? readItemCache(cacheFile)?.items : undefined;
  if (!items || items.length !== entry.records) {
    items = parsePackFile(packed, entry, damaged);
    if (cacheFile) writeItemCache(cacheFile, { format: name, items, badLines: [], total: items.length });
  }
  return {
    label: opts.label ?? name,
    origin: 'pack',
    name,
    split: entry.split,
    splits: [entry.split],
    path: file,
    files: [{ path: file, sha256: entry.sha256, format: name, split: entry.split, items: items.length }],
    hash: `sha256:${sha256(`heldout-pack\0${name}\0${entry.sha256}`)}`,
    items,
    badLines: [],
  };
}

function parsePackFile(packed: Buffer, entry: PackEntry, damaged: (what: string) => Error): BenchItem[] {
  let jsonl: Buffer;
  try {
    jsonl = brotliDecompressSync(packed);
  } catch {
    throw damaged('not brotli');
  }
  if (sha256(jsonl) !== entry.sha256) throw damaged('sha256 of the JSONL');
  const items: BenchItem[] = [];
  // Line by line from the bytes: decoding all 11 MB into one string first costs a copy of twice that size.
  let start = 0;
  while (start < jsonl.length) {
    let nl = jsonl.indexOf(10, start);
    if (nl < 0) nl = jsonl.length;
    if (nl > start) {
      const r = JSON.parse(jsonl.toString('utf8', start, nl)) as PackRecord;
      const it: BenchItem = { id: r.id, text: r.text };
      if (r.solution !== undefined) it.solution = r.solution;
      if (r.answer !== undefined) it.answer = r.answer;
      items.push(it);
    }
    start = nl + 1;
  }
  if (items.length !== entry.records) throw damaged(`${items.length} records, the manifest says ${entry.records}`);
  return items;
}
