/** Shapes shared by the scan coordinator and its workers. */

export type CorpusFormat = 'jsonl' | 'text';
export type Compression = 'none' | 'gzip' | 'zstd';

export interface CorpusFile {
  path: string;
  /** Name used in document ids: the path relative to the common directory of all corpus files. */
  name: string;
  size: number;
  format: CorpusFormat;
  compression: Compression;
}

/** One piece of work for a worker. */
export interface ScanUnit {
  id: number;
  kind: 'scan' | 'count';
  file: number;
  path: string;
  format: CorpusFormat;
  compression: Compression;
  /** Byte range of an uncompressed file; a line belongs to the unit where it starts. */
  start: number;
  end: number;
  /** For compressed files split across shards: only lines with (index % count === residue). */
  modulo?: { count: number; residue: number };
}

export interface UnitResult {
  id: number;
  /** Lines that start in the unit (or, with modulo, the lines of this residue). */
  lines: number;
  documents: number;
  badLines: number;
  firstBadLines: { line: number; error: string }[];
  missingField: number;
  firstMissing: number[];
  /** Per matched document: [line, itemCount, item, item, …] (items ascending); line is unit-local (0-based), or
   * the file's 0-based line index for modulo units. */
  matches: number[];
  /** Matched token positions per item, over the whole unit: [item, count, position, …]…. */
  positions: number[];
  bytes: number;
  /** For 'count' units: newlines in [start, end). */
  newlines: number;
}

/** Item texts as UTF-16 code units in shared memory: every worker reads them without a copy. */
export interface SharedTexts {
  units: Uint16Array;
  /** Text i is units[offsets[i] .. offsets[i + 1]). */
  offsets: Int32Array;
}

export interface WorkerInit {
  n: number;
  field: string;
  texts: SharedTexts;
  table: import('./table.js').NgramTable;
}
