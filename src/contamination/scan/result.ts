import { readFileSync } from 'node:fs';
import { HeldoutError } from '../../errors.js';
import { sha256 } from '../../io/hash.js';

/** How many document ids each contaminated item lists. */
export const FIRST_DOCUMENTS = 5;
const FIRST_PROBLEMS = 5;

export interface ItemMatch {
  /** Position of the item in its benchmark (the loader's order); results are sorted by it. */
  index: number;
  id: string;
  /** Corpus documents that share at least one n-gram with the item. */
  documents: number;
  /** The first few of them, in document order. */
  firstDocuments: string[];
  /** Every distinct matched n-gram, by token position in the (normalised) item. */
  ngrams: { at: number; text: string }[];
  /** Share of the item's normalised tokens covered by matched n-grams. */
  coverage: number;
  /** Tokens in the normalised item. */
  tokens: number;
}

export interface BenchmarkScan {
  hash: string;
  items: number;
  contaminatedItems: number;
  /** contaminatedItems / items × 100, rounded to 2 decimals. */
  percent: number;
  /** Items with fewer than n tokens: they cannot match. */
  tooShort: number;
  contaminated: ItemMatch[];
}

export interface CorpusFileStats {
  name: string;
  bytes: number;
  lines: number;
  documents: number;
}

export interface ScanOutput {
  rule: string;
  n: number;
  field: string;
  /** Same for every shard of one scan (rule, n, field, benchmarks, corpus file list); merge checks it. */
  fingerprint: string;
  /** Present only on a partial result from `--shard`. */
  shard?: { index: number; count: number };
  benchmarks: Record<string, BenchmarkScan>;
  /** Every corpus document with at least one match, as `<file name>:<1-based line>`, sorted by file then line. */
  documents: string[];
  corpus: {
    files: CorpusFileStats[];
    bytes: number;
    lines: number;
    documents: number;
    /** Lines that are not valid JSON. */
    badLines: number;
    firstBadLines: { document: string; error: string }[];
    /** JSON lines without the text field (or where it is not a string). */
    missingField: number;
    firstMissing: string[];
  };
}

/** The corpus part of a result: totals derived from the per-file stats, so they cannot disagree with them. */
export function corpusSummary(
  files: CorpusFileStats[],
  problems: Pick<ScanOutput['corpus'], 'badLines' | 'firstBadLines' | 'missingField' | 'firstMissing'>,
): ScanOutput['corpus'] {
  return {
    files,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    lines: files.reduce((s, f) => s + f.lines, 0),
    documents: files.reduce((s, f) => s + f.documents, 0),
    ...problems,
  };
}

export function fingerprint(parts: {
  rule: string;
  n: number;
  field: string;
  format?: string;
  benchmarks: { label: string; hash: string }[];
  files: { name: string; size: number }[];
}): string {
  return `sha256:${sha256(JSON.stringify(parts))}`;
}

/** Splits `name:line`. */
export function parseDocId(id: string): [string, number] {
  const i = id.lastIndexOf(':');
  return [id.slice(0, i), Number(id.slice(i + 1))];
}

/** File name (by UTF-16 code units, as the file list is sorted), then line number. */
export function compareDocIds(a: string, b: string): number {
  const [fa, la] = parseDocId(a);
  const [fb, lb] = parseDocId(b);
  return fa < fb ? -1 : fa > fb ? 1 : la - lb;
}

export function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10000) / 100;
}

export function coverage(ats: number[], n: number, tokens: number): number {
  if (tokens === 0) return 0;
  let covered = 0;
  let reach = -1;
  for (const at of Float64Array.from(ats).sort()) {
    const from = Math.max(at, reach);
    const to = at + n;
    if (to > from) covered += to - from;
    reach = Math.max(reach, to);
  }
  return Math.round((covered / tokens) * 10000) / 10000;
}

/**
 * Combines partial results of `--shard i/N` runs into exactly what one process would have written: every part
 * must be present once and all must share the fingerprint.
 */
export function mergeScans(parts: { file: string; out: ScanOutput }[]): ScanOutput {
  if (parts.length === 0) throw new HeldoutError('no partial results to merge', { hint: 'pass part*.json files' });
  const first = parts[0].out;
  const count = first.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { file, out } of parts) {
    if (out.fingerprint !== first.fingerprint) {
      throw new HeldoutError('this part comes from a different scan (benchmarks, corpus files, rule or field differ)', {
        where: file,
        hint: `merge only the parts of one scan; ${parts[0].file} has ${first.fingerprint.slice(0, 19)}…, this has ${String(out.fingerprint).slice(0, 19)}…`,
      });
    }
    const sh = out.shard ?? { index: 0, count: 1 };
    if (sh.count !== count) {
      throw new HeldoutError(`this part is shard ${sh.index}/${sh.count}, others are out of ${count}`, { where: file });
    }
    const dup = seen.get(sh.index);
    if (dup) throw new HeldoutError(`shard ${sh.index}/${count} appears twice (also in ${dup})`, { where: file });
    seen.set(sh.index, file);
  }
  const missing = [...Array(count).keys()].filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new HeldoutError(`shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing`, {
      hint: 'merge needs every part; rerun the missing shards',
    });
  }
  const docs = new Set<string>();
  for (const { out } of parts) for (const d of out.documents) docs.add(d);

  const benchmarks: Record<string, BenchmarkScan> = {};
  for (const label of Object.keys(first.benchmarks)) {
    const b0 = first.benchmarks[label];
    const items = new Map<number, ItemMatch & { ats: Map<number, string> }>();
    for (const { out } of parts) {
      for (const m of out.benchmarks[label]?.contaminated ?? []) {
        let acc = items.get(m.index);
        if (!acc) {
          acc = { ...m, documents: 0, firstDocuments: [], ngrams: [], ats: new Map() };
          items.set(m.index, acc);
        }
        acc.documents += m.documents;
        acc.firstDocuments.push(...m.firstDocuments);
        for (const g of m.ngrams) acc.ats.set(g.at, g.text);
      }
    }
    const n = first.n;
    const contaminated = [...items.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ ats, ...m }) => {
        const at = [...ats.keys()].sort((a, b) => a - b);
        return {
          ...m,
          firstDocuments: [...new Set(m.firstDocuments)].sort(compareDocIds).slice(0, FIRST_DOCUMENTS),
          ngrams: at.map((a) => ({ at: a, text: ats.get(a)! })),
          coverage: coverage(at, n, m.tokens),
        };
      });
    benchmarks[label] = {
      ...b0,
      contaminatedItems: contaminated.length,
      percent: percent(contaminated.length, b0.items),
      contaminated,
    };
  }

  const files = new Map<string, CorpusFileStats>();
  let badLines = 0;
  let missingField = 0;
  const firstBad: { document: string; error: string }[] = [];
  const firstMissing: string[] = [];
  for (const { out } of parts) {
    for (const f of out.corpus.files) {
      const acc = files.get(f.name);
      if (acc) {
        acc.lines += f.lines;
        acc.documents += f.documents;
      } else files.set(f.name, { ...f });
    }
    badLines += out.corpus.badLines;
    missingField += out.corpus.missingField;
    firstBad.push(...out.corpus.firstBadLines);
    firstMissing.push(...out.corpus.firstMissing);
  }
  const fileList = [...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { shard: _drop, ...rest } = first;
  return {
    ...rest,
    benchmarks,
    documents: [...docs].sort(compareDocIds),
    corpus: corpusSummary(fileList, {
      badLines,
      firstBadLines: firstBad.sort((a, b) => compareDocIds(a.document, b.document)).slice(0, FIRST_PROBLEMS),
      missingField,
      firstMissing: firstMissing.sort(compareDocIds).slice(0, FIRST_PROBLEMS),
    }),
  };
}

/** Reads a partial result written by `heldout scan --shard i/N --out`, refusing anything else. */
export function readScanPart(file: string): ScanOutput {
  let out: ScanOutput;
  try {
    out = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HeldoutError(`cannot read partial result: ${(err as Error).message}`, {
      where: file,
      hint: 'pass the files written by `heldout scan --shard i/N --out …`',
    });
  }
  if (!out || typeof out !== 'object' || !out.benchmarks || !out.fingerprint) {
    throw new HeldoutError('not a scan result', {
      where: file,
      hint: 'expected the JSON of `heldout scan --out`',
    });
  }
  return out;
}
