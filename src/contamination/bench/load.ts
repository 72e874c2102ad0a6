import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { HeldoutError } from '../../errors.js';
import { displayPath } from '../../io/files.js';
import { sha256 } from '../../io/hash.js';
import type { ParsedFile } from './formats.js';
import { itemCacheDir, itemCacheFile, readItemCache, writeItemCache } from './item-cache.js';
import {
  benchCacheDir,
  howToGetBenchmarks,
  knownAncestor,
  listDataFiles,
  parseBenchSpec,
  relStem,
  resolveTarget,
} from './locate.js';
import { loadPackSource } from './pack.js';
import { parseBenchFile } from './parse-file.js';
import {
  type BadLine,
  type BenchFormat,
  type BenchItem,
  type BenchmarkSource,
  type BenchOrigin,
  isKnownName,
  LOADER_VERSION,
  type LoadBenchmarkOptions,
} from './source.js';

/** Loads benchmark sources by spec: parsed files come from the item cache when their content was seen before. */

export async function loadBenchmarkSource(spec: string, opts: LoadBenchmarkOptions = {}): Promise<BenchmarkSource> {
  const { label: given, target } = parseBenchSpec(spec);
  const resolved = resolveTarget(target, opts);
  if (typeof resolved !== 'string')
    return loadPackSource(resolved.pack, {
      label: given,
      packDir: opts.packDir || undefined,
      itemCacheDir: opts.itemCacheDir,
    });
  const path = resolved;
  const origin: BenchOrigin = path.startsWith(join(opts.benchDir ?? benchCacheDir(), '')) ? 'cache' : 'path';
  const isDir = statSync(path).isDirectory();
  let root: string;
  let files: string[];
  if (isDir) {
    // A split folder of a known benchmark (`mmlu/test`) keeps the benchmark's ids (`mmlu/test/anatomy:3`).
    root = isKnownName(basename(path)) || !isKnownName(basename(dirname(path))) ? path : dirname(path);
    files = listDataFiles(path);
    if (files.length === 0) {
      throw new HeldoutError('no benchmark files (.jsonl, .csv, .parquet) in this directory', {
        where: displayPath(path),
        hint: howToGetBenchmarks(),
      });
    }
  } else {
    // Ids are relative to the benchmark's folder (`mmlu/test/x_test.csv` → `test/x`) with or without a label,
    // so a result can be traced back by reloading `label=path`.
    root = knownAncestor(path) ?? dirname(path);
    files = [path];
  }
  const label = given ?? (isDir ? basename(root) : basename(knownAncestor(path) ?? path, extname(path)));

  const perFile: BenchItem[][] = [];
  const badLines: BadLine[] = [];
  const fileInfos: BenchmarkSource['files'] = [];
  const formats = new Set<BenchFormat>();
  const hash = createHash('sha256');
  hash.update(`heldout-bench-v${LOADER_VERSION}\0${opts.fieldName ?? ''}\0${opts.solutionField ?? ''}\0`);
  for (const file of files) {
    const buf = readFileSync(file);
    const sha = sha256(buf);
    const stem = relStem(root, file);
    const split = stem.split('/')[0];
    const prefix = `${label}/${stem}`;
    const cacheFile =
      opts.itemCacheDir === false
        ? undefined
        : itemCacheFile(
            opts.itemCacheDir ?? itemCacheDir(),
            [LOADER_VERSION, sha, prefix, extname(file), opts.fieldName ?? '', opts.solutionField ?? ''].join('\0'),
          );
    const cached = cacheFile ? readItemCache(cacheFile) : undefined;
    let parsed: ParsedFile;
    if (cached) {
      const shown = displayPath(file);
      parsed = { ...cached, badLines: cached.badLines.map((b) => ({ file: shown, ...b })) };
    } else {
      parsed = await parseBenchFile(file, buf, prefix, opts);
      if (cacheFile) {
        writeItemCache(cacheFile, {
          ...parsed,
          badLines: parsed.badLines.map(({ line, error }) => ({ line, error })),
        });
      }
    }
    perFile.push(parsed.items);
    for (const b of parsed.badLines) badLines.push(b);
    formats.add(parsed.format);
    fileInfos.push({ path: file, sha256: sha, format: parsed.format, split, items: parsed.items.length });
    hash.update(`${stem}\0${sha}\0`);
  }
  const { items, duplicates } = dropDuplicateItems(perFile, fileInfos);
  const splits = [...new Set(fileInfos.map((f) => f.split))];
  return {
    label,
    origin,
    name: formats.size === 1 ? [...formats][0] : 'mixed',
    split: splits.length === 1 ? splits[0] : undefined,
    splits,
    path,
    files: fileInfos,
    hash: `sha256:${hash.digest('hex')}`,
    items,
    badLines,
    duplicates: duplicates.length ? duplicates : undefined,
  };
}

/**
 * One item per content across splits: a split that repeats another (MATH500 is 500 problems of MATH test) would
 * count its problems twice. Larger splits win, so the items keep their ids in the full split. Repeats within one
 * split (MMLU asks a few questions in two subjects) are the benchmark's own and stay.
 */
function dropDuplicateItems(
  perFile: BenchItem[][],
  files: BenchmarkSource['files'],
): { items: BenchItem[]; duplicates: { file: string; count: number }[] } {
  const duplicates: { file: string; count: number }[] = [];
  const splits = [...new Set(files.map((f) => f.split))];
  if (splits.length <= 1) return { items: perFile.length === 1 ? perFile[0] : perFile.flat(), duplicates };
  const size = (sp: string) => files.reduce((s, f, i) => s + (f.split === sp ? perFile[i].length : 0), 0);
  const order = splits.map((sp, i) => ({ sp, n: size(sp), i })).sort((a, b) => b.n - a.n || a.i - b.i);
  const seen = new Set<string>();
  const dropped = perFile.map(() => new Set<number>());
  const key = (it: BenchItem) => `${it.text}\u0000${it.solution ?? ''}`;
  for (const { sp } of order) {
    const mine: string[] = [];
    files.forEach((f, i) => {
      if (f.split !== sp) return;
      perFile[i].forEach((it, k) => {
        const kk = key(it);
        if (seen.has(kk)) dropped[i].add(k);
        else mine.push(kk);
      });
    });
    for (const kk of mine) seen.add(kk);
  }
  const items: BenchItem[] = [];
  perFile.forEach((list, i) => {
    list.forEach((it, k) => {
      if (!dropped[i].has(k)) items.push(it);
    });
    if (dropped[i].size) {
      duplicates.push({ file: displayPath(files[i].path), count: dropped[i].size });
      files[i].items -= dropped[i].size;
    }
  });
  return { items, duplicates };
}

export async function loadBenchmarkSources(
  specs: string[],
  opts: LoadBenchmarkOptions = {},
): Promise<BenchmarkSource[]> {
  if (specs.length === 0) {
    throw new HeldoutError('no benchmark given', { hint: `pass --bench <name|dir|file>; ${howToGetBenchmarks()}` });
  }
  const out: BenchmarkSource[] = [];
  for (const spec of specs) out.push(await loadBenchmarkSource(spec, opts));
  const labels = new Map<string, string>();
  for (const s of out) {
    const prev = labels.get(s.label);
    if (prev !== undefined) {
      throw new HeldoutError(`two benchmarks are both labelled "${s.label}"`, {
        hint: `label them apart, e.g. --bench ${s.label}2=${displayPath(s.path)}`,
      });
    }
    labels.set(s.label, s.path);
  }
  return out;
}
