import { extname } from 'node:path';
import { HeldoutError } from '../../errors.js';
import { displayPath } from '../../io/files.js';
import { parseCsvRecords } from './csv.js';
import { detectFormat, mmluText, type ParsedFile, type Row, rowItem, unknownFormat } from './formats.js';
import {
  type BadLine,
  type BenchFormat,
  type BenchItem,
  type LoadBenchmarkOptions,
  MAX_BAD_FRACTION,
} from './source.js';

/** Reads one benchmark file (JSONL, CSV or Parquet); `prefix` is `label/stem` for ids. Exported for tests. */
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
      if (r.error) badLines.push({ file: shown, line: r.line, error: r.error });
      else if (r.cells.length !== header.length) {
        badLines.push({ file: shown, line: r.line, error: `${r.cells.length} cells, header has ${header.length}` });
      } else {
        items.push({ id: `${prefix}:${k + 1}`, text: r.cells[col], solution: sol >= 0 ? r.cells[sol] : undefined });
      }
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
          r.error ??
          (r.cells.length !== 6
            ? `${r.cells.length} cells, expected 6 (question, A, B, C, D, answer)`
            : `answer "${r.cells[5]}" is not A–D`),
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
