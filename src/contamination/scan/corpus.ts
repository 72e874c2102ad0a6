import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HeldoutError } from '../../errors.js';
import type { Compression, CorpusFile, CorpusFormat, ScanUnit } from './types.js';

const CORPUS_EXT = /\.(jsonl|ndjson|json|txt|text)(\.gz|\.zst|\.zstd)?$/i;

function globToRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = seg.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += `[${seg
          .slice(i + 1, j)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else if (c === '{') {
      const j = seg.indexOf('}', i + 1);
      if (j < 0) re += '\\{';
      else {
        re += `(?:${seg
          .slice(i + 1, j)
          .split(',')
          .map((a) => a.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
          .join('|')})`;
        i = j;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const hasMagic = (s: string) => /[*?[{]/.test(s);

function walkFiles(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out);
    else if (CORPUS_EXT.test(e.name)) out.push(p);
  }
}

/** Expands one pattern (`*`, `?`, `[ab]`, `{a,b}`, `**`) relative to cwd. */
function expandPattern(pattern: string, cwd: string): string[] {
  const abs = isAbsolute(pattern) ? pattern : join(cwd, pattern);
  const parts = abs.split(/[\\/]/);
  let i = 0;
  while (i < parts.length && !hasMagic(parts[i])) i++;
  const root = parts.slice(0, i).join('/') || '/';
  if (i === parts.length) {
    if (!existsSync(root)) return [];
    if (statSync(root).isDirectory()) {
      const out: string[] = [];
      walkFiles(root, out);
      return out;
    }
    return [root];
  }
  const rest = parts.slice(i);
  const out: string[] = [];
  const visit = (dir: string, k: number) => {
    if (k === rest.length) {
      if (existsSync(dir) && statSync(dir).isFile()) out.push(dir);
      return;
    }
    const seg = rest[k];
    if (seg === '**') {
      visit(dir, k + 1);
      for (const e of safeReaddir(dir)) if (e.isDirectory() && !e.name.startsWith('.')) visit(join(dir, e.name), k);
      return;
    }
    if (!hasMagic(seg)) {
      visit(join(dir, seg), k + 1);
      return;
    }
    const re = globToRegExp(seg);
    for (const e of safeReaddir(dir)) if (re.test(e.name) && !e.name.startsWith('.')) visit(join(dir, e.name), k + 1);
  };
  visit(root, 0);
  return out;
}

function safeReaddir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

export function compressionOf(path: string): Compression {
  if (/\.gz$/i.test(path)) return 'gzip';
  if (/\.zstd?$/i.test(path)) return 'zstd';
  return 'none';
}

export function formatOf(path: string, forced?: CorpusFormat): CorpusFormat {
  if (forced) return forced;
  const base = path.replace(/\.(gz|zst|zstd)$/i, '');
  return /\.(txt|text)$/i.test(base) ? 'text' : 'jsonl';
}

/**
 * Corpus files from paths, directories and globs, sorted by name. Names (used in document ids) are paths
 * relative to the files' common directory: the file name for one directory of shards.
 */
export function listCorpus(patterns: string[], opts: { cwd?: string; format?: CorpusFormat } = {}): CorpusFile[] {
  const cwd = opts.cwd ?? process.cwd();
  const paths = new Set<string>();
  for (const pat of patterns) {
    const found = expandPattern(pat, cwd);
    if (found.length === 0) {
      throw new HeldoutError(`no corpus files match "${pat}"`, {
        where: pat,
        hint: 'pass files, a directory, or a quoted glob such as "shards/*.jsonl.zst"',
      });
    }
    for (const f of found) paths.add(resolve(f));
  }
  const list = [...paths];
  let common = dirname(list[0]);
  for (const p of list) {
    while (!(p === common || p.startsWith(common.endsWith(sep) ? common : common + sep))) common = dirname(common);
  }
  const files = list.map((path) => ({
    path,
    name: relative(common, path).split(sep).join('/'),
    size: statSync(path).size,
    format: formatOf(path, opts.format),
    compression: compressionOf(path),
  }));
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return files;
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m)
    throw new HeldoutError(`--shard "${spec}" is not i/N`, { hint: 'e.g. --shard 0/8 (shards are numbered from 0)' });
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) {
    throw new HeldoutError(`--shard ${spec}: the index must be below the count`, { hint: 'shards are 0 … N-1' });
  }
  return { index, count };
}

/** What one shard scans of each file. */
export interface FileShare {
  file: number;
  start: number;
  end: number;
  modulo?: { count: number; residue: number };
}

/**
 * The shard's share. With at least as many files as shards, whole files are dealt out, largest first, to the
 * least-loaded shard (deterministic for the same file list). Otherwise every file is split: uncompressed files
 * by byte ranges aligned to line starts, compressed ones by line index modulo N.
 */
export function shardShares(files: CorpusFile[], shard?: Shard): FileShare[] {
  if (!shard || shard.count === 1) return files.map((f, i) => ({ file: i, start: 0, end: f.size }));
  const { index, count } = shard;
  if (files.length >= count) {
    const load = new Array<number>(count).fill(0);
    const owner = new Array<number>(files.length);
    const order = files.map((_, i) => i).sort((a, b) => files[b].size - files[a].size || a - b);
    for (const i of order) {
      let best = 0;
      for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
      owner[i] = best;
      load[best] += Math.max(1, files[i].size);
    }
    return files.flatMap((f, i) => (owner[i] === index ? [{ file: i, start: 0, end: f.size }] : []));
  }
  return files.map((f, i) => {
    if (f.compression !== 'none') return { file: i, start: 0, end: f.size, modulo: { count, residue: index } };
    const start = Math.floor((f.size * index) / count);
    const end = Math.floor((f.size * (index + 1)) / count);
    return { file: i, start, end };
  });
}

/** Splits shares into units for the workers; a byte range that does not start at 0 gets a 'count' unit. */
export function planUnits(files: CorpusFile[], shares: FileShare[], workers: number, chunkBytes?: number): ScanUnit[] {
  const total = shares.reduce((s, x) => s + (x.end - x.start), 0);
  // Many small units per worker keep the tail short: when one worker runs out of work, the other is at most one
  // small unit from the end (16 per worker measured ~11% faster than 4 with 2 workers on 210 MB).
  const chunk = chunkBytes ?? Math.min(256 << 20, Math.max(4 << 20, Math.ceil(total / Math.max(1, workers * 16))));
  const units: ScanUnit[] = [];
  const base = (f: number) => ({
    file: f,
    path: files[f].path,
    format: files[f].format,
    compression: files[f].compression,
  });
  const whole: ScanUnit[] = [];
  for (const sh of shares) {
    const f = files[sh.file];
    if (f.compression !== 'none') {
      whole.push({ id: 0, kind: 'scan', ...base(sh.file), start: 0, end: f.size, modulo: sh.modulo });
      continue;
    }
    if (sh.start > 0) units.push({ id: 0, kind: 'count', ...base(sh.file), start: 0, end: sh.start - 1 });
    if (sh.end <= sh.start) continue;
    for (let s = sh.start; s < sh.end; s += chunk) {
      units.push({ id: 0, kind: 'scan', ...base(sh.file), start: s, end: Math.min(sh.end, s + chunk) });
    }
  }
  whole.sort((a, b) => files[b.file].size - files[a.file].size || a.file - b.file);
  const all = [...whole, ...units];
  all.forEach((u, i) => {
    u.id = i;
  });
  return all;
}
