import { HeldoutError } from '../../errors.js';

export interface InfiniGramItemRequest {
  /** An exam whose units to look up. */
  examDir?: string;
  /** A .jsonl or .csv file of texts, with the field holding the text and the one holding ids. */
  itemsFile?: string;
  field: string;
  idField: string;
  /** Benchmark specs whose items to look up. */
  bench?: string[];
}

/**
 * The texts `heldout infini-gram` asks about: an exam's units, then a file's rows (blank texts skipped; an id
 * from the id field, else file:line), then benchmark items. Asking about nothing is an error.
 */
export async function infiniGramItems(req: InfiniGramItemRequest): Promise<{ id: string; text: string }[]> {
  const items: { id: string; text: string }[] = [];
  if (req.examDir) {
    const { loadExam } = await import('../../exam/load.js');
    const { examUnits } = await import('../../exam/model.js');
    for (const u of examUnits(loadExam(req.examDir).exam)) items.push({ id: u.id, text: u.text });
  }
  if (req.itemsFile) {
    const { readTable, requireColumn } = await import('../../io/tabular.js');
    const t = readTable(req.itemsFile);
    requireColumn(t, req.field);
    for (const row of t.rows) {
      const v = row.values[req.field];
      if (typeof v !== 'string' || v.trim() === '') continue;
      const id = row.values[req.idField];
      items.push({ id: id === undefined || id === null ? `${req.itemsFile}:${row.line}` : String(id), text: v });
    }
  }
  if (req.bench && req.bench.length > 0) {
    const { loadBenchmarkSources } = await import('../bench/load.js');
    for (const s of await loadBenchmarkSources(req.bench)) items.push(...s.items);
  }
  if (items.length === 0) {
    throw new HeldoutError('nothing to look up', {
      hint: 'pass an exam directory, --items <file> or --bench <spec>',
    });
  }
  return items;
}
