import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { sha256 } from '../io/hash.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { BenchItem, BenchmarkSource, KnownBenchmark } from './benchmarks.js';
import { itemCacheDir, itemCacheFile, readItemCache, writeItemCache } from './item-cache.js';

/**
 * The offline benchmark pack: the test splits of GSM8K, MATH, MMLU and HumanEval, one brotli-compressed JSONL
 * file each, with the upstream licence text, where the copy came from, the record count and sha256. It is the
 * only place benchmark text enters the repository; `heldout bench pack` rebuilds it byte for byte.
 */

export const PACK_FORMAT = 'heldout-bench-pack/1';
/** Where the pack ships, inside heldout's own folder. */
export const DEFAULT_PACK_DIR = join(PACKAGE_ROOT, 'data', 'benchmark-pack');
export const PACK_BENCHMARKS = ['gsm8k', 'math', 'mmlu', 'humaneval'] as const satisfies readonly KnownBenchmark[];

/** The upstream projects and their MIT licences' copyright lines (each repository's LICENSE file). */
export const UPSTREAM: Record<KnownBenchmark, { project: string; repo: string; copyright: string }> = {
  gsm8k: {
    project: 'GSM8K (Cobbe et al., 2021)',
    repo: 'https://github.com/openai/grade-school-math',
    copyright: 'Copyright (c) 2021 OpenAI',
  },
  math: {
    project: 'MATH (Hendrycks et al., 2021)',
    repo: 'https://github.com/hendrycks/math',
    copyright: 'Copyright (c) 2021 Dan Hendrycks',
  },
  mmlu: {
    project: 'MMLU (Hendrycks et al., 2021)',
    repo: 'https://github.com/hendrycks/test',
    copyright: 'Copyright (c) 2020 Dan Hendrycks',
  },
  humaneval: {
    project: 'HumanEval (Chen et al., 2021)',
    repo: 'https://github.com/openai/human-eval',
    copyright: 'Copyright (c) OpenAI',
  },
};

export function mitLicence(copyright: string): string {
  return `MIT License

${copyright}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
}

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

const manifestFile = (dir: string) => join(dir, 'pack.json');

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

export function packHas(name: KnownBenchmark, dir = activePackDir()): boolean {
  return readPackManifest(dir)?.benchmarks.some((b) => b.name === name) ?? false;
}

interface PackRecord {
  id: string;
  text: string;
  solution?: string;
  answer?: string;
}

/**
 * One benchmark from the pack, checked against the manifest's sha256 (of the stored file, then of the JSONL) and
 * count. Parsed items are cached by the stored file's hash, like any benchmark file: a warm check then reads 3 MB
 * and slices strings instead of decompressing and parsing 11 MB.
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
  const text = jsonl.toString('utf8');
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    if (nl > start) {
      const r = JSON.parse(text.slice(start, nl)) as PackRecord;
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

/** The JSONL the pack stores for one source's test split: stable key order, one record per line. */
export function packJsonl(source: BenchmarkSource): { jsonl: Buffer; records: number } {
  // A benchmark with one split (HumanEval.jsonl) is its test split.
  const only = source.splits.length === 1;
  const testFiles = new Set(source.files.filter((f) => only || f.split === 'test').map((f) => f.path));
  if (testFiles.size === 0) {
    throw new HeldoutError(`${source.label} has no test split`, {
      where: displayPath(source.path),
      hint: `its splits are ${source.splits.join(', ')}`,
    });
  }
  // Items keep their files' order; the loader put each file's items together, so count off each test file's share.
  const lines: string[] = [];
  let k = 0;
  for (const f of source.files) {
    const chunk = source.items.slice(k, k + f.items);
    k += f.items;
    if (!testFiles.has(f.path)) continue;
    for (const it of chunk) {
      const r: PackRecord = { id: it.id, text: it.text };
      if (it.solution !== undefined) r.solution = it.solution;
      if (it.answer !== undefined) r.answer = it.answer;
      lines.push(JSON.stringify(r));
    }
  }
  return { jsonl: Buffer.from(`${lines.join('\n')}\n`), records: lines.length };
}

export function compressPackFile(jsonl: Buffer): Buffer {
  // Quality 9 with a 16 MB window: within 10% of quality 11's size at a tenth of its time; deterministic.
  return brotliCompressSync(jsonl, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: jsonl.length,
    },
  });
}

export interface BuildPackOptions {
  /** Where each benchmark comes from: a folder (`../shared/benchmarks/gsm8k`) or a `bench pull` cache folder. */
  from: Partial<Record<KnownBenchmark, string>>;
  out: string;
  onBenchmark?: (e: PackEntry) => void;
}

/** Writes the pack: same inputs, same bytes (no dates, no absolute paths, fixed key order and compression). */
export async function buildPack(opts: BuildPackOptions): Promise<PackManifest> {
  const { loadBenchmarkSource } = await import('./benchmarks.js');
  const out = resolve(opts.out);
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const entries: PackEntry[] = [];
  try {
    for (const name of PACK_BENCHMARKS) {
      const from = opts.from[name];
      if (!from) continue;
      const source = await loadBenchmarkSource(`${name}=${from}`, { itemCacheDir: false, packDir: false });
      const { jsonl, records } = packJsonl(source);
      const packed = compressPackFile(jsonl);
      const file = `${name}.test.jsonl.br`;
      writeFileSync(join(tmp, file), packed);
      const licenceFile = `${name}.LICENSE`;
      writeFileSync(join(tmp, licenceFile), mitLicence(UPSTREAM[name].copyright));
      const sourceFile = `${name}.SOURCE.md`;
      writeFileSync(join(tmp, sourceFile), sourceNote(from, name));
      const entry: PackEntry = {
        name,
        split: 'test',
        file,
        records,
        sha256: sha256(jsonl),
        fileSha256: sha256(packed),
        bytes: packed.length,
        licence: { name: 'MIT', file: licenceFile },
        source: { file: sourceFile, upstream: UPSTREAM[name].repo, project: UPSTREAM[name].project },
      };
      entries.push(entry);
      opts.onBenchmark?.(entry);
    }
    if (entries.length === 0) {
      throw new HeldoutError('no benchmark to pack', {
        hint: 'pass --from ../shared/benchmarks (a folder with gsm8k, math, mmlu, humaneval), or `heldout bench pull` them first',
      });
    }
    const manifest: PackManifest = {
      format: PACK_FORMAT,
      note: 'Test splits of public benchmarks, for the offline contamination check. Built by `heldout bench pack`; each file is brotli-compressed JSONL ({id, text, solution?, answer?} per line) under its upstream MIT licence.',
      benchmarks: entries,
    };
    writeFileSync(manifestFile(tmp), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    manifestMemo = undefined;
    return manifest;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The copy's own provenance note (SOURCE.md in a folder, SOURCE.json in the pull cache), else a line saying so. */
function sourceNote(from: string, name: KnownBenchmark): string {
  const up = UPSTREAM[name];
  const head = `# ${up.project}: test split, as packed by heldout\n\nUpstream: ${up.repo} (MIT).\n\n`;
  for (const f of ['SOURCE.md', 'SOURCE.json']) {
    const p = join(resolve(from), f);
    if (existsSync(p)) {
      const body = readFileSync(p, 'utf8');
      return `${head}The copy it was built from describes itself as follows (${f}):\n\n${f.endsWith('.json') ? `\`\`\`json\n${scrubPaths(body)}\`\`\`\n` : body}`;
    }
  }
  return `${head}The copy it was built from had no SOURCE.md.\n`;
}

/** A cache's SOURCE.json names local paths and pull dates; keep only what is reproducible. */
function scrubPaths(json: string): string {
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    const { pulledAt: _p, from: _f, ...rest } = v;
    const files = Array.isArray(rest.files)
      ? (rest.files as { file: string; url: string; sha256: string }[]).map((f) => ({
          file: f.file,
          url: f.url.startsWith('file://') ? undefined : f.url,
          sha256: f.sha256,
        }))
      : undefined;
    return `${JSON.stringify({ ...rest, files }, null, 2)}\n`;
  } catch {
    return json;
  }
}
