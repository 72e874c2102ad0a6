import { parse } from 'csv-parse/sync';

/**
 * CSV records (RFC 4180: quoted cells with commas, doubled quotes and line breaks; CRLF, LF or CR between records)
 * with the 1-based line each starts on, read by csv-parse.
 */

export interface CsvRecord {
  cells: string[];
  line: number;
  /** Set when the record cannot be read (a quote never closed): `cells` is then empty. */
  error?: string;
}

/** Line breaks in a record's raw text; csv-parse keeps only the `\r` of a CRLF that ends a record. */
function lineBreaks(raw: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 10 || (c === 13 && raw.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

/** Every record in file order; blank lines are skipped; a record csv-parse rejects comes back with `error`. */
export function parseCsvRecords(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let line = 1;
  const at = (raw: string | undefined) => {
    const start = line;
    line += lineBreaks(raw ?? '');
    return start;
  };
  parse(text, {
    bom: true,
    raw: true,
    relax_column_count: true,
    // A quote inside an unquoted cell (`5" tall`) is part of the cell, as spreadsheets write it.
    relax_quotes: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_records_with_error: true,
    on_skip: (err, raw) => {
      const line = at(raw);
      out.push({ cells: [], line, error: err?.message.replace(/^Invalid .*?: /, '') ?? 'unreadable record' });
    },
    // With `raw`, csv-parse hands over `{record, raw}`; its types describe only the bare record.
    on_record: (got: unknown) => {
      const { record, raw } = got as { record: string[]; raw: string };
      const line = at(raw);
      // A blank line is one empty cell.
      if (!(record.length === 1 && record[0] === '')) out.push({ cells: record, line });
      return null;
    },
  });
  return out;
}
