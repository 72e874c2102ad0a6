import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { HeldoutError } from '../errors.js';
import { displayPath, readText } from './files.js';

export interface TableRow {
  /** 1-based line where the row starts in the file. */
  line: number;
  values: Record<string, unknown>;
}

export interface Table {
  file: string;
  columns: string[];
  rows: TableRow[];
}

export function tableKind(file: string): 'csv' | 'jsonl' {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new HeldoutError(`unsupported file type "${ext || '(none)'}"`, {
    where: displayPath(file),
    hint: 'use a .csv (with a header row) or a .jsonl file',
  });
}

/** Reads a CSV (header row; CRLF, quotes and multi-line cells handled) or JSONL file into rows with line numbers. */
export function readTable(file: string): Table {
  // csv-parse counts a CRLF inside a quoted cell as two lines, which would shift every later line number.
  const text = readText(file)
    .replace(/^\uFEFF/, '')
    .replace(/\r\n/g, '\n');
  const shown = displayPath(file);
  if (tableKind(file) === 'csv') {
    let records: { record: string[]; info: { lines: number } }[];
    const delimiter = file.toLowerCase().endsWith('.tsv') ? '\t' : csvDelimiter(text);
    try {
      records = parseCsv(text, {
        delimiter,
        info: true,
        relax_column_count: true,
        skip_empty_lines: true,
      }) as unknown as { record: string[]; info: { lines: number } }[];
    } catch (err) {
      const e = err as { lines?: number; message: string };
      const other = delimiter === ',' ? ';' : ',';
      throw new HeldoutError(`invalid CSV: ${e.message.replace(/^Invalid .*?: /, '')}`, {
        where: e.lines ? `${shown}:${e.lines}` : shown,
        hint: `read with "${delimiter}" between cells (guessed from the header row)${headerLine(text).includes(other) ? `; if the file uses "${other}", check that the header row does too` : ''}`,
      });
    }
    if (records.length === 0) throw new HeldoutError('the CSV file is empty', { where: shown });
    const columns = records[0].record.map((c) => c.trim());
    const rows: TableRow[] = [];
    let prevEnd = records[0].info.lines;
    for (const { record, info } of records.slice(1)) {
      const start = prevEnd + 1;
      prevEnd = info.lines;
      if (record.length !== columns.length) {
        throw new HeldoutError(`row has ${record.length} cells but the header has ${columns.length}`, {
          where: `${shown}:${start}`,
          hint: 'quote cells that contain commas',
        });
      }
      rows.push({ line: start, values: Object.fromEntries(columns.map((c, i) => [c, record[i]])) });
    }
    return { file: shown, columns, rows };
  }
  const rows: TableRow[] = [];
  const columns = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new HeldoutError(`invalid JSON: ${(err as Error).message}`, { where: `${shown}:${i + 1}` });
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new HeldoutError('each line must be a JSON object', { where: `${shown}:${i + 1}` });
    }
    for (const k of Object.keys(value)) columns.add(k);
    rows.push({ line: i + 1, values: value as Record<string, unknown> });
  });
  return { file: shown, columns: [...columns], rows };
}

function headerLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

/**
 * The cell separator: `,`, or `;` when the header row has more semicolons than commas outside quotes (spreadsheets
 * in locales with a decimal comma save CSV with semicolons).
 */
export function csvDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const c of headerLine(text)) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** The named column, or an error that lists the ones there are. */
export function requireColumn(table: Table, column: string, flag = '--field'): void {
  if (!table.columns.includes(column)) {
    throw new HeldoutError(`no column "${column}"`, {
      where: table.file,
      hint: `${flag} must be one of: ${table.columns.map((c) => JSON.stringify(c)).join(', ') || '(no columns)'}`,
    });
  }
}
