import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseCsvRecords } from '../contamination/bench/csv.js';
import { mmluText } from '../contamination/bench/formats.js';
import type { BenchmarkSource } from '../contamination/bench/source.js';

/**
 * MMLU items with their options and answer, for TS-Guessing. The benchmark loader keeps only the text it checks;
 * this reads the same files again and pairs each record with the loader's item (in file order), so ids agree.
 */
export interface MmluQuestion {
  id: string;
  question: string;
  choices: string[];
  /** Index of the correct choice. */
  answer: number;
  /** The file the item came from. */
  file: string;
}

const LETTERS = 'ABCD';

export async function mmluQuestions(source: BenchmarkSource): Promise<Map<string, MmluQuestion>> {
  const out = new Map<string, MmluQuestion>();
  let offset = 0;
  for (const f of source.files) {
    const items = source.items.slice(offset, offset + f.items);
    offset += f.items;
    if (f.format !== 'mmlu') continue;
    const rows = await readRows(f.path);
    // The loader skips malformed rows the same way, so the good rows line up with its items.
    let j = 0;
    for (const r of rows) {
      const item = items[j];
      if (!item || item.text !== mmluText(r.question, r.choices)) continue;
      out.set(item.id, { id: item.id, ...r, file: f.path });
      j++;
    }
  }
  return out;
}

async function readRows(file: string): Promise<Omit<MmluQuestion, 'id' | 'file'>[]> {
  if (extname(file).toLowerCase() === '.csv') {
    return parseCsvRecords(readFileSync(file, 'utf8'))
      .filter((r) => r.cells.length === 6 && /^\s*[A-D]\s*$/.test(r.cells[5]))
      .map((r) => ({ question: r.cells[0], choices: r.cells.slice(1, 5), answer: LETTERS.indexOf(r.cells[5].trim()) }));
  }
  if (extname(file).toLowerCase() === '.parquet') {
    const { parquetReadObjects } = await import('hyparquet');
    const { decompress } = await import('fzstd');
    const buf = readFileSync(file);
    const rows = (await parquetReadObjects({
      file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
      compressors: { ZSTD: (input: Uint8Array, n: number) => decompress(input, new Uint8Array(n)) },
    })) as Record<string, unknown>[];
    return rows
      .filter((r) => typeof r.question === 'string' && (Array.isArray(r.choices) || ArrayBuffer.isView(r.choices)))
      .map((r) => {
        const choices = Array.from(r.choices as ArrayLike<unknown>, String);
        const a = r.answer;
        const answer = typeof a === 'number' || typeof a === 'bigint' ? Number(a) : LETTERS.indexOf(String(a).trim());
        return { question: r.question as string, choices, answer };
      });
  }
  return [];
}

/** `mmlu/test/anatomy:3` → `mmlu/test/anatomy`: the CSV release's file, or the subject of a Hugging Face Parquet row. */
const subjectOf = (id: string) => id.slice(0, id.lastIndexOf(':'));

/**
 * What a guesser with no memory of the item would get by naming an option seen elsewhere in the same subject: the
 * share of the subject's other options whose words equal the masked one's. Options like "True", "None of the above"
 * or "4" are easy to guess; this keeps them from passing for memory.
 */
export function chanceRates(
  targets: { id: string; masked: string }[],
  all: Map<string, MmluQuestion>,
  normalise: (s: string) => string,
): Map<string, number> {
  const bySubject = new Map<string, Map<string, number>>();
  const sizes = new Map<string, number>();
  for (const q of all.values()) {
    const s = subjectOf(q.id);
    const counts = bySubject.get(s) ?? new Map<string, number>();
    for (const c of q.choices) counts.set(normalise(c), (counts.get(normalise(c)) ?? 0) + 1);
    bySubject.set(s, counts);
    sizes.set(s, (sizes.get(s) ?? 0) + q.choices.length);
  }
  const out = new Map<string, number>();
  for (const t of targets) {
    const q = all.get(t.id);
    if (!q) continue;
    const counts = bySubject.get(subjectOf(q.id))!;
    const key = normalise(t.masked);
    const own = q.choices.filter((c) => normalise(c) === key).length;
    const others = (sizes.get(subjectOf(q.id)) ?? 0) - q.choices.length;
    const hits = (counts.get(key) ?? 0) - own;
    // Laplace smoothing: never claim a chance of exactly 0.
    out.set(t.id, (hits + 0.5) / (others + 1));
  }
  return out;
}
