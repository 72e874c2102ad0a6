import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { sha256 } from '../io/hash.js';
import { itemCacheDir, itemCacheFile, readItemCache, writeItemCache } from './item-cache.js';
import { loadPackSource, packHas } from './pack.js';

/**
 * Benchmark sources for the contamination check: GSM8K, MATH, MMLU and HumanEval in their canonical formats
 * (and the Hugging Face Parquet copies `heldout bench pull` writes), plus generic JSONL/CSV/Parquet with a
 * named text field.
 */

export interface BenchItem {
  /** `gsm8k/test:17` (label/file stem:1-based line), `mmlu/test/abstract_algebra:3` (row), or HumanEval `task_id`. */
  id: string;
  /** What the check compares: the question (GSM8K `question`, MATH `problem`, MMLU question + choices, HumanEval `prompt`). */
  text: string;
  /** The reference solution, used only for the answers check. */
  solution?: string;
  /** MMLU: the correct choice's letter (A–D). */
  answer?: string;
}

export interface BadLine {
  file: string;
  line: number;
  error: string;
}

export type BenchFormat = 'gsm8k' | 'math' | 'mmlu' | 'humaneval' | 'generic';

/** Where a source's data came from: the offline pack shipped with heldout, the `bench pull` cache, or a path. */
export type BenchOrigin = 'pack' | 'cache' | 'path';

export interface BenchmarkSource {
  /** What the user called it (`gsm8k`, or the label of `label=path`). */
  label: string;
  origin?: BenchOrigin;
  /** The detected format: gsm8k, math, mmlu, humaneval, generic (or `mixed`). */
  name: string;
  /** The split when every file has the same one (`test`); see `splits` for all. */
  split?: string;
  splits: string[];
  /** The path the spec resolved to. */
  path: string;
  files: { path: string; sha256: string; format: BenchFormat; split: string; items: number }[];
  /** `sha256:` over the files' hashes and the loader options; keys the index cache. */
  hash: string;
  items: BenchItem[];
  badLines: BadLine[];
  /** Items dropped because an earlier (larger) split holds the same text: MATH500 ⊂ MATH test. */
  duplicates?: { file: string; count: number }[];
}

export interface LoadBenchmarkOptions {
  /** For generic sources: the field (JSONL/Parquet) or column (CSV with header) holding the text. */
  fieldName?: string;
  /** For generic sources: an optional field with the solution. */
  solutionField?: string;
  /** Where cached names resolve (default `$HELDOUT_BENCH_DIR` or `~/.cache/heldout/benchmarks`). */
  benchDir?: string;
  /** Base for relative paths (default: the working directory). */
  cwd?: string;
  /** Where parsed files are cached by content hash (default `$HELDOUT_CACHE_DIR/items` or `.heldout-cache/items`); false: never. */
  itemCacheDir?: string | false;
  /** The offline pack (default: the one shipped with heldout); false: never fall back to it. */
  packDir?: string | false;
}

export const KNOWN_BENCHMARKS = ['gsm8k', 'math', 'mmlu', 'humaneval'] as const;
export type KnownBenchmark = (typeof KNOWN_BENCHMARKS)[number];

/** Bumped when item text or ids change, so cached indexes built from the old items are not reused. */
export const LOADER_VERSION = 2;

/** Share of malformed lines above which a file is rejected rather than loaded with warnings. */
export const MAX_BAD_FRACTION = 0.01;

const DATA_EXTS = new Set(['.jsonl', '.ndjson', '.csv', '.parquet']);

export function benchCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HELDOUT_BENCH_DIR ? resolve(env.HELDOUT_BENCH_DIR) : join(homedir(), '.cache', 'heldout', 'benchmarks');
}

export function howToGetBenchmarks(): string {
  return 'download one with `heldout bench pull gsm8k` (also math, mmlu, humaneval), cache a local copy with `heldout bench pull gsm8k --from path/to/gsm8k`, or pass one with `--bench gsm8k=path/to/gsm8k`';
}

/**
 * The benchmarks to use when none is named: each known benchmark from the `bench pull` cache when it is there,
 * else from the offline pack that ships with heldout.
 */
export function defaultBenchmarkSpecs(opts: Pick<LoadBenchmarkOptions, 'benchDir' | 'packDir'> = {}): string[] {
  const dir = opts.benchDir ?? benchCacheDir();
  return KNOWN_BENCHMARKS.filter(
    (n) => existsSync(join(dir, n)) || (opts.packDir !== false && packHas(n, opts.packDir || undefined)),
  );
}

/** Splits `label=path`; a bare spec has no label. Windows drive letters are not labels. */
export function parseBenchSpec(spec: string): { label?: string; target: string } {
  const eq = spec.indexOf('=');
  if (eq > 0 && !/[\\/]/.test(spec.slice(0, eq))) return { label: spec.slice(0, eq), target: spec.slice(eq + 1) };
  return { target: spec };
}

function resolveTarget(target: string, opts: LoadBenchmarkOptions): string | { pack: KnownBenchmark } {
  const cwd = opts.cwd ?? process.cwd();
  const asPath = resolve(cwd, target);
  const looksLikePath = /[\\/.]/.test(target) || existsSync(asPath);
  if (looksLikePath) {
    if (!existsSync(asPath)) {
      throw new HeldoutError(`benchmark not found`, { where: target, hint: howToGetBenchmarks() });
    }
    return asPath;
  }
  const dir = join(opts.benchDir ?? benchCacheDir(), target);
  if (!existsSync(dir)) {
    // Not pulled: the offline pack that ships with heldout has the test split of the four known benchmarks.
    if (
      opts.packDir !== false &&
      isKnownName(target) &&
      packHas(target.toLowerCase() as KnownBenchmark, opts.packDir)
    ) {
      return { pack: target.toLowerCase() as KnownBenchmark };
    }
    const known = (KNOWN_BENCHMARKS as readonly string[]).includes(target);
    throw new HeldoutError(`benchmark "${target}" is not in the cache (${displayPath(dir)})`, {
      hint: known
        ? `run \`heldout bench pull ${target}\`, or pass a local copy with \`--bench ${target}=path/to/${target}\``
        : `use one of ${KNOWN_BENCHMARKS.join(', ')}, or a file or directory path; ${howToGetBenchmarks()}`,
    });
  }
  return dir;
}

function listDataFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (DATA_EXTS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Item-id stem of a file relative to the source root: `test`, `test/abstract_algebra` (MMLU's `_test` dropped). */
function relStem(root: string, file: string): string {
  const rel = relative(root, file).split(sep).join('/');
  let stem = rel.slice(0, rel.length - extname(rel).length);
  const parts = stem.split('/');
  if (parts.length >= 2) {
    const split = parts[0];
    const last = parts[parts.length - 1];
    if (last.endsWith(`_${split}`)) parts[parts.length - 1] = last.slice(0, -split.length - 1);
    stem = parts.join('/');
  }
  return stem;
}

const isKnownName = (name: string) => (KNOWN_BENCHMARKS as readonly string[]).includes(name.toLowerCase());

/** The nearest ancestor directory named like a known benchmark, for labelling a bare file. */
function knownAncestor(file: string): string | undefined {
  let d = dirname(file);
  for (let k = 0; k < 2; k++) {
    if ((KNOWN_BENCHMARKS as readonly string[]).includes(basename(d).toLowerCase())) return d;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}

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
  if (splits.length <= 1) return { items: perFile.flat(), duplicates };
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

interface ParsedFile {
  format: BenchFormat;
  items: BenchItem[];
  badLines: BadLine[];
  /** Records read, good and bad. */
  total: number;
}

/** Reads one file; `prefix` is `label/stem` for ids. Exported for tests. */
export async function parseBenchFile(
  file: string,
  buf: Buffer,
  prefix: string,
  opts: LoadBenchmarkOptions = {},
): Promise<ParsedFile> {
  const ext = extname(file).toLowerCase();
  let res: ParsedFile;
  if (ext === '.csv') res = parseCsvFile(file, buf.toString('utf8'), prefix, opts);
  else if (ext === '.parquet') res = await parseParquetFile(file, buf, prefix, opts);
  else res = parseJsonlFile(file, buf.toString('utf8'), prefix, opts);
  const { badLines, total } = res;
  if (badLines.length > 0 && badLines.length > MAX_BAD_FRACTION * total) {
    const first = badLines[0];
    throw new HeldoutError(
      `${badLines.length} of ${total} records are malformed (more than ${MAX_BAD_FRACTION * 100}%); first: ${first.error}`,
      {
        where: `${displayPath(file)}:${first.line}`,
        hint: 'is this the right file and format? fix or remove the bad lines',
      },
    );
  }
  return { format: res.format, items: res.items, badLines, total };
}

type Row = Record<string, unknown>;

/** Which built-in format a record looks like; generic when `fieldName` names one of its fields. */
function detectFormat(row: Row, opts: LoadBenchmarkOptions): BenchFormat | undefined {
  if (opts.fieldName && opts.fieldName in row) return 'generic';
  if ('task_id' in row && 'prompt' in row && 'canonical_solution' in row) return 'humaneval';
  if ('problem' in row && 'solution' in row) return 'math';
  if ('question' in row && 'choices' in row) return 'mmlu';
  if ('question' in row && 'answer' in row) return 'gsm8k';
  return undefined;
}

const LETTERS = ['A', 'B', 'C', 'D'];

/** MMLU item text: the question and its four choices, in lm-evaluation-harness's layout. */
export function mmluText(question: string, choices: string[]): string {
  return [question.trim(), ...choices.map((c, i) => `${LETTERS[i] ?? String(i)}. ${String(c).trim()}`)].join('\n');
}

/** The item for one record, or an error string for a malformed one. */
function rowItem(
  row: Row,
  format: BenchFormat,
  id: string,
  opts: LoadBenchmarkOptions,
): { item: BenchItem } | { error: string } {
  const str = (k: string) => (typeof row[k] === 'string' ? (row[k] as string) : undefined);
  const need = (...keys: string[]) => keys.find((k) => str(k) === undefined);
  switch (format) {
    case 'gsm8k': {
      const miss = need('question', 'answer');
      if (miss) return { error: `field "${miss}" missing or not a string` };
      return { item: { id, text: str('question')!, solution: str('answer')! } };
    }
    case 'math': {
      const miss = need('problem', 'solution');
      if (miss) return { error: `field "${miss}" missing or not a string` };
      return { item: { id, text: str('problem')!, solution: str('solution')! } };
    }
    case 'humaneval': {
      const miss = need('task_id', 'prompt', 'canonical_solution');
      if (miss) return { error: `field "${miss}" missing or not a string` };
      return { item: { id: str('task_id')!, text: str('prompt')!, solution: str('canonical_solution')! } };
    }
    case 'mmlu': {
      const q = str('question');
      const choices = row.choices;
      if (q === undefined) return { error: 'field "question" missing or not a string' };
      if (!Array.isArray(choices) && !ArrayBuffer.isView(choices)) return { error: 'field "choices" is not a list' };
      const a = row.answer;
      const answer =
        typeof a === 'number' || typeof a === 'bigint' ? LETTERS[Number(a)] : typeof a === 'string' ? a : undefined;
      return { item: { id, text: mmluText(q, Array.from(choices as ArrayLike<unknown>, String)), answer } };
    }
    case 'generic': {
      const f = opts.fieldName!;
      const v = row[f];
      if (typeof v !== 'string') return { error: `field "${f}" missing or not a string` };
      const sol = opts.solutionField ? row[opts.solutionField] : undefined;
      return { item: { id, text: v, solution: typeof sol === 'string' ? sol : undefined } };
    }
  }
}

function unknownFormat(file: string, row: Row | undefined, opts: LoadBenchmarkOptions): HeldoutError {
  const fields = row ? Object.keys(row) : [];
  if (opts.fieldName) {
    return new HeldoutError(`no field "${opts.fieldName}"`, {
      where: displayPath(file),
      hint: `the records have: ${fields.map((f) => JSON.stringify(f)).join(', ') || '(no fields)'}`,
    });
  }
  return new HeldoutError('not a known benchmark format (GSM8K, MATH, MMLU, HumanEval)', {
    where: displayPath(file),
    hint: `name the text field with --bench-field; the records have: ${fields.map((f) => JSON.stringify(f)).join(', ') || '(no fields)'}`,
  });
}

function parseJsonlFile(file: string, text: string, prefix: string, opts: LoadBenchmarkOptions): ParsedFile {
  const items: BenchItem[] = [];
  const badLines: BadLine[] = [];
  const shown = displayPath(file);
  let format: BenchFormat | undefined;
  let firstRow: Row | undefined;
  const pending: { line: number; row: Row }[] = [];
  let total = 0;
  let start = 0;
  let line = 0;
  const take = (ln: number, row: Row) => {
    const r = rowItem(row, format!, `${prefix}:${ln}`, opts);
    if ('item' in r) items.push(r.item);
    else badLines.push({ file: shown, line: ln, error: r.error });
  };
  if (text.charCodeAt(0) === 0xfeff) start = 1;
  while (start < text.length) {
    line++;
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const raw = text.slice(start, nl).trim();
    start = nl + 1;
    if (!raw) continue;
    total++;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (err) {
      badLines.push({ file: shown, line, error: `invalid JSON: ${(err as Error).message}` });
      continue;
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      badLines.push({ file: shown, line, error: 'not a JSON object' });
      continue;
    }
    firstRow ??= row as Row;
    if (!format) {
      format = detectFormat(row as Row, opts);
      if (!format) {
        // Decide on the first few records: one odd record should not make the file unreadable.
        pending.push({ line, row: row as Row });
        if (pending.length >= 20) throw unknownFormat(file, firstRow, opts);
        continue;
      }
      for (const p of pending) take(p.line, p.row);
      pending.length = 0;
    }
    take(line, row as Row);
  }
  if (!format) {
    if (total === 0) throw new HeldoutError('the benchmark file is empty', { where: shown });
    throw unknownFormat(file, firstRow, opts);
  }
  return { format, items, badLines: badLines.sort((a, b) => a.line - b.line), total };
}

function countNewlines(s: string): number {
  let c = 0;
  for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) c++;
  return c;
}

/** RFC 4180 records with the 1-based line each starts on (quoted cells may span lines; CRLF accepted). */
export function parseCsvRecords(text: string): { cells: string[]; line: number }[] {
  const out: { cells: string[]; line: number }[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let cells: string[] = [];
  let startLine = 1;
  const endRecord = () => {
    if (!(cells.length === 1 && cells[0] === '')) out.push({ cells, line: startLine });
    cells = [];
    startLine = line;
  };
  while (i < n) {
    let cell: string;
    if (text.charCodeAt(i) === 34) {
      let j = i + 1;
      const parts: string[] = [];
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          parts.push(text.slice(j));
          i = n;
          break;
        }
        if (text.charCodeAt(q + 1) === 34) {
          parts.push(text.slice(j, q + 1));
          j = q + 2;
          continue;
        }
        parts.push(text.slice(j, q));
        i = q + 1;
        break;
      }
      cell = parts.length === 1 ? parts[0] : parts.join('');
      line += countNewlines(cell);
      // Anything between the closing quote and the separator is kept, as lenient parsers do.
      let j2 = i;
      while (j2 < n) {
        const c = text.charCodeAt(j2);
        if (c === 44 || c === 10 || c === 13) break;
        j2++;
      }
      if (j2 > i) cell += text.slice(i, j2);
      i = j2;
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      cell = text.slice(i, j);
      i = j;
    }
    cells.push(cell);
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      if (i >= n) cells.push('');
      continue;
    }
    if (c === 13) i++;
    if (text.charCodeAt(i) === 10) i++;
    line++;
    endRecord();
  }
  if (cells.length) endRecord();
  return out;
}

function parseCsvFile(file: string, text: string, prefix: string, opts: LoadBenchmarkOptions): ParsedFile {
  const shown = displayPath(file);
  const records = parseCsvRecords(text);
  if (records.length === 0) throw new HeldoutError('the benchmark file is empty', { where: shown });
  const header = records[0].cells.map((c) => c.trim());
  const items: BenchItem[] = [];
  const badLines: BadLine[] = [];
  if (opts.fieldName && header.includes(opts.fieldName)) {
    const col = header.indexOf(opts.fieldName);
    const sol = opts.solutionField ? header.indexOf(opts.solutionField) : -1;
    records.slice(1).forEach((r, k) => {
      if (r.cells.length !== header.length) {
        badLines.push({ file: shown, line: r.line, error: `${r.cells.length} cells, header has ${header.length}` });
        return;
      }
      items.push({ id: `${prefix}:${k + 1}`, text: r.cells[col], solution: sol >= 0 ? r.cells[sol] : undefined });
    });
    return { format: 'generic', items, badLines, total: records.length - 1 };
  }
  // MMLU: no header; question, A, B, C, D, answer letter. Decide on the share of rows that fit.
  const fits = (cells: string[]) => cells.length === 6 && /^\s*[A-D]\s*$/.test(cells[5]);
  const fitting = records.filter((r) => fits(r.cells)).length;
  if (fitting === 0 || fitting < records.length * 0.5) {
    if (opts.fieldName) throw unknownFormat(file, Object.fromEntries(header.map((h) => [h, ''])), opts);
    throw new HeldoutError('not an MMLU CSV (question, A, B, C, D, answer letter; no header)', {
      where: shown,
      hint: 'for another CSV with a header row, name the text column with --bench-field',
    });
  }
  records.forEach((r, k) => {
    if (!fits(r.cells)) {
      badLines.push({
        file: shown,
        line: r.line,
        error:
          r.cells.length !== 6
            ? `${r.cells.length} cells, expected 6 (question, A, B, C, D, answer)`
            : `answer "${r.cells[5]}" is not A–D`,
      });
      return;
    }
    items.push({
      id: `${prefix}:${k + 1}`,
      text: mmluText(r.cells[0], r.cells.slice(1, 5)),
      answer: r.cells[5].trim(),
    });
  });
  return { format: 'mmlu', items, badLines, total: records.length };
}

async function parseParquetFile(
  file: string,
  buf: Buffer,
  prefix: string,
  opts: LoadBenchmarkOptions,
): Promise<ParsedFile> {
  const { parquetReadObjects } = await import('hyparquet');
  const { decompress } = await import('fzstd');
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  let rows: Row[];
  try {
    rows = (await parquetReadObjects({
      file: ab,
      compressors: {
        ZSTD: (input: Uint8Array, outputLength: number) => decompress(input, new Uint8Array(outputLength)),
      },
    })) as Row[];
  } catch (err) {
    throw new HeldoutError(`cannot read Parquet: ${(err as Error).message}`, { where: displayPath(file) });
  }
  if (rows.length === 0) throw new HeldoutError('the benchmark file has no rows', { where: displayPath(file) });
  const format = detectFormat(rows[0], opts);
  if (!format) throw unknownFormat(file, rows[0], opts);
  const items: BenchItem[] = [];
  const badLines: BadLine[] = [];
  const perSubject = new Map<string, number>();
  rows.forEach((row, k) => {
    let id = `${prefix}:${k + 1}`;
    // Hugging Face's MMLU puts all subjects in one file: give ids like the CSV release's (`test/abstract_algebra:3`).
    if (format === 'mmlu' && typeof row.subject === 'string' && row.subject) {
      const n = (perSubject.get(row.subject) ?? 0) + 1;
      perSubject.set(row.subject, n);
      id = `${prefix}/${row.subject}:${n}`;
    }
    const r = rowItem(row, format, id, opts);
    if ('item' in r) items.push(r.item);
    else badLines.push({ file: displayPath(file), line: k + 1, error: r.error });
  });
  return { format, items, badLines, total: rows.length };
}
