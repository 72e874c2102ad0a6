import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HeldoutError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { janitorTokensFast } from '../text/janitor-tokens.js';
import { janitorTokens } from '../text/normalize.js';
import { listCorpus, planUnits, type Shard, shardShares } from './corpus.js';
import { tokenHashes } from './hash.js';
import { textWindows } from './hotloop.js';
import {
  type BenchmarkScan,
  corpusSummary,
  coverage,
  FIRST_DOCUMENTS,
  fingerprint,
  type ItemMatch,
  percent,
  type ScanOutput,
} from './result.js';
import { buildNgramTableFromWindows, type NgramTable, ngramWindows } from './table.js';
import { packTexts, type SharedTexts } from './texts.js';
import type { CorpusFile, CorpusFormat, ScanUnit, UnitResult, WorkerInit } from './types.js';
import { UnitScanner } from './unit.js';
import type { WarmUpFile } from './warm-up.js';

// Always the tsc build of the worker: the bundled CLI lives elsewhere, and tests run from src/.
const WORKER_FILE = join(PACKAGE_ROOT, 'dist/contamination/scan/worker.js');

/** A set of items to look for: a benchmark (from the loader) or an exam's units. */
export interface ScanSource {
  label: string;
  hash: string;
  items: { id: string; text: string }[];
}

export interface ScanOptions {
  sources: ScanSource[];
  corpus: string[];
  cwd?: string;
  field?: string;
  n?: number;
  rule?: string;
  /** Worker threads; 0 scans in this thread (tests, debugging). Default: available parallelism. */
  workers?: number;
  shard?: Shard;
  format?: CorpusFormat;
  chunkBytes?: number;
  onStart?: (info: { files: CorpusFile[]; bytes: number; units: number; workers: number; ngrams: number }) => void;
  onProgress?: (bytesDone: number) => void;
  /** Called for every (item, document) pair found: the full list that the result only counts. */
  onMatch?: (source: string, itemId: string, document: string) => void;
}

export interface PreparedItems {
  table: NgramTable;
  itemTexts: string[];
  texts: SharedTexts;
  /** Flattened item index → [source index, index in source]. */
  owner: Int32Array;
  /** Janitor tokens per item (the tokens themselves are made again only for the items a scan matches). */
  tokenCounts: Int32Array;
}

export function prepareItems(sources: ScanSource[], n: number): PreparedItems {
  const total = sources.reduce((sum, s) => sum + s.items.length, 0);
  const itemTexts: string[] = new Array(total);
  const counts = new Int32Array(total);
  const owner = new Int32Array(2 * total);
  const starts = new Int32Array(total + 1);
  let pairs = new Int32Array(1 << 20);
  let k = 0;
  sources.forEach((s, si) => {
    s.items.forEach((it, ii) => {
      // The byte loop hashes the text without a string per token; the string tokeniser takes what it cannot.
      let w = textWindows(it.text, n);
      if (!w) {
        const toks = janitorTokensFast(it.text);
        w = { windows: ngramWindows(tokenHashes(toks), n), tokens: toks.length };
      }
      const at = 2 * starts[k];
      if (at + w.windows.length > pairs.length) {
        const grown = new Int32Array(Math.max(2 * pairs.length, at + w.windows.length));
        grown.set(pairs.subarray(0, at));
        pairs = grown;
      }
      pairs.set(w.windows, at);
      starts[k + 1] = starts[k] + w.windows.length / 2;
      itemTexts[k] = it.text;
      counts[k] = w.tokens;
      owner[2 * k] = si;
      owner[2 * k + 1] = ii;
      k++;
    });
  });
  return {
    table: buildNgramTableFromWindows({ pairs: pairs.subarray(0, 2 * starts[total]), starts }, n),
    itemTexts,
    texts: packTexts(itemTexts),
    owner,
    tokenCounts: counts,
  };
}

/** Starts workers early, so that their start-up overlaps building the n-gram table. */
function startWorkers(count: number, files: CorpusFile[]): Worker[] {
  // The warm-up reads the start of the first plain corpus file: real bytes through the real code path.
  const f = files.find((x) => x.compression === 'none');
  const warmUp: WarmUpFile | undefined = f && { path: f.path, format: f.format, size: f.size };
  return Array.from({ length: count }, () => new Worker(WORKER_FILE, { workerData: { warmUp } }));
}

async function runUnits(
  units: ScanUnit[],
  init: WorkerInit,
  threads: Worker[],
  onProgress?: (bytes: number) => void,
  onResult?: (res: UnitResult) => void,
): Promise<{ results: UnitResult[]; stopped: Promise<unknown> }> {
  const results: UnitResult[] = new Array(units.length);
  if (threads.length === 0) {
    const scanner = new UnitScanner(init);
    for (const u of units) {
      results[u.id] = await scanner.run(u, (b) => onProgress?.(b));
      onResult?.(results[u.id]);
    }
    return { results, stopped: Promise.resolve() };
  }
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      if (units.length === 0) resolve();
      const give = (w: Worker) => {
        if (next < units.length) w.postMessage({ type: 'unit', unit: units[next++] });
      };
      for (const w of threads) {
        w.on('message', (msg: { type: string; bytes?: number; res?: UnitResult; id?: number; message?: string }) => {
          if (msg.type === 'progress') onProgress?.(msg.bytes!);
          else if (msg.type === 'result') {
            results[msg.res!.id] = msg.res!;
            done++;
            if (done === units.length) resolve();
            else give(w);
            onResult?.(msg.res!);
          } else if (msg.type === 'error') {
            const u = units[msg.id!];
            reject(
              new HeldoutError(`cannot read corpus file: ${msg.message}`, {
                where: u.path,
                hint: 'is it complete and in the format its extension says (.jsonl, .txt, .gz, .zst)?',
              }),
            );
          }
        });
        w.on('error', reject);
        w.postMessage({ type: 'init', init });
        give(w);
      }
    });
  } catch (err) {
    await Promise.all(threads.map((w) => w.terminate()));
    throw err;
  }
  // Stopping the threads takes about 8 ms: the caller assembles the result meanwhile, then waits for them.
  return { results, stopped: Promise.all(threads.map((w) => w.terminate())) };
}

/**
 * Scans corpus files for the n-grams of the sources' items (gpt3-13gram rule: janitor normalisation, 13-grams).
 * With `shard`, scans only its share and returns a partial result for `mergeScans`.
 */
export async function scanCorpus(opts: ScanOptions): Promise<ScanOutput> {
  const n = opts.n ?? 13;
  const field = opts.field ?? 'text';
  const rule = opts.rule ?? 'gpt3-13gram';
  if (rule !== 'gpt3-13gram') {
    throw new HeldoutError(`scan supports only the gpt3-13gram rule, not "${rule}"`, {
      hint: 'use --rule gpt3-13gram (janitor normalisation, word n-grams; --n changes the length)',
    });
  }
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new HeldoutError(`--n ${n}: use a whole number from 1 to 64`);
  const workers = opts.workers ?? availableParallelism();
  const files = listCorpus(opts.corpus, { cwd: opts.cwd, format: opts.format });
  const shares = shardShares(files, opts.shard);
  const units = planUnits(files, shares, Math.max(1, workers), opts.chunkBytes);
  const threads = workers > 0 ? startWorkers(Math.max(1, Math.min(workers, units.length)), files) : [];
  let prepared: PreparedItems;
  try {
    prepared = prepareItems(opts.sources, n);
  } catch (err) {
    await Promise.all(threads.map((w) => w.terminate()));
    throw err;
  }
  const scanBytes = units.reduce((s, u) => s + (u.end - u.start), 0);
  opts.onStart?.({
    files,
    bytes: scanBytes,
    units: units.length,
    workers: Math.min(workers, units.length),
    ngrams: prepared.table.distinct,
  });
  const init: WorkerInit = { n, field, texts: prepared.texts, table: prepared.table };
  // The matched items' tokens are made as results come in, while the workers still scan.
  const matchedTexts = new Map<number, ItemText>();
  const learn = (res: UnitResult) => {
    for (let i = 0; i < res.matches.length; i += 2 + res.matches[i + 1]) {
      for (let j = 0; j < res.matches[i + 1]; j++) {
        const item = res.matches[i + 2 + j];
        if (!matchedTexts.has(item)) matchedTexts.set(item, itemText(prepared.itemTexts[item]));
      }
    }
  };
  const { results, stopped } = await runUnits(units, init, threads, opts.onProgress, learn);
  const out = assemble(opts, files, shares, units, results, prepared, matchedTexts, { n, field, rule });
  await stopped;
  // Unsharded, the result is already in merged form (tested: merging it alone gives it back unchanged).
  return out;
}

/** An item's janitor tokens joined with spaces, and where each token starts: n-gram texts are slices of it. */
interface ItemText {
  joined: string;
  starts: Int32Array;
}

function itemText(text: string): ItemText {
  // The reference tokeniser: its regular expressions need no warming up, in a process that assembles once.
  const toks = janitorTokens(text);
  const starts = new Int32Array(toks.length + 1);
  for (let k = 0; k < toks.length; k++) starts[k + 1] = starts[k] + toks[k].length + 1;
  return { joined: toks.join(' '), starts };
}

function assemble(
  opts: ScanOptions,
  files: CorpusFile[],
  shares: ReturnType<typeof shardShares>,
  units: ScanUnit[],
  results: UnitResult[],
  prep: PreparedItems,
  matchedTexts: Map<number, ItemText>,
  cfg: { n: number; field: string; rule: string },
): ScanOutput {
  // Unit-local line numbers → file line numbers (1-based), via the lines of earlier units of the same file.
  const lineBase = new Map<number, number>();
  for (const sh of shares) {
    const f = sh.file;
    const own = units.filter((u) => u.file === f);
    if (sh.modulo) continue;
    const count = own.find((u) => u.kind === 'count');
    let running = sh.start > 0 ? 1 + (count ? results[count.id].newlines : 0) : 0;
    for (const u of own.filter((x) => x.kind === 'scan').sort((a, b) => a.start - b.start)) {
      lineBase.set(u.id, running);
      running += results[u.id].lines;
    }
  }
  const docId = (u: ScanUnit, local: number) => `${files[u.file].name}:${(lineBase.get(u.id) ?? 0) + local + 1}`;
  const docKey = (u: ScanUnit, local: number) => u.file * 2 ** 32 + (lineBase.get(u.id) ?? 0) + local + 1;

  const perItem = new Map<number, { docs: number; first: number[]; ats: Set<number> }>();
  const itemAcc = (item: number) => {
    let acc = perItem.get(item);
    if (!acc) {
      acc = { docs: 0, first: [], ats: new Set() };
      perItem.set(item, acc);
    }
    return acc;
  };
  const documents = new Set<number>();
  const keyName = (key: number) => `${files[Math.floor(key / 2 ** 32)].name}:${key % 2 ** 32}`;
  for (const u of units) {
    if (u.kind !== 'scan') continue;
    const m = results[u.id].matches;
    for (let i = 0; i < m.length; ) {
      const key = docKey(u, m[i]);
      const count = m[i + 1];
      documents.add(key);
      for (let j = 0; j < count; j++) {
        const item = m[i + 2 + j];
        const acc = itemAcc(item);
        if (opts.onMatch) {
          const src = opts.sources[prep.owner[2 * item]];
          opts.onMatch(src.label, src.items[prep.owner[2 * item + 1]].id, keyName(key));
        }
        acc.docs++;
        acc.first.push(key);
        if (acc.first.length > 4 * FIRST_DOCUMENTS)
          acc.first = [...Float64Array.from(acc.first).sort().subarray(0, FIRST_DOCUMENTS)];
      }
      i += 2 + count;
    }
    const p = results[u.id].positions;
    for (let i = 0; i < p.length; ) {
      const acc = itemAcc(p[i]);
      for (let j = 0; j < p[i + 1]; j++) acc.ats.add(p[i + 2 + j]);
      i += 2 + p[i + 1];
    }
  }

  const benchmarks: Record<string, BenchmarkScan> = {};
  // Only matched items need their tokens again; the others count as too short or not, from their token counts.
  // Typed-array sorts: no comparator calls, which matter in a process that assembles once, before V8 optimises.
  const matched = [...Int32Array.from(perItem.keys()).sort()];
  let next = 0;
  let flat = 0;
  opts.sources.forEach((s) => {
    let tooShort = 0;
    for (let k = flat; k < flat + s.items.length; k++) if (prep.tokenCounts[k] < cfg.n) tooShort++;
    const contaminated: ItemMatch[] = [];
    for (; next < matched.length && matched[next] < flat + s.items.length; next++) {
      const ii = matched[next] - flat;
      const it = s.items[ii];
      const acc = perItem.get(matched[next])!;
      const { joined, starts } = matchedTexts.get(matched[next]) ?? itemText(it.text);
      const ats = [...Int32Array.from(acc.ats).sort()];
      contaminated.push({
        index: ii,
        id: it.id,
        documents: acc.docs,
        firstDocuments: [...Float64Array.from(acc.first).sort().subarray(0, FIRST_DOCUMENTS)].map(keyName),
        ngrams: ats.map((at) => ({ at, text: joined.slice(starts[at], starts[at + cfg.n] - 1) })),
        coverage: coverage(ats, cfg.n, starts.length - 1),
        tokens: prep.tokenCounts[matched[next]],
      });
    }
    flat += s.items.length;
    benchmarks[s.label] = {
      hash: s.hash,
      items: s.items.length,
      contaminatedItems: contaminated.length,
      percent: percent(contaminated.length, s.items.length),
      tooShort,
      contaminated,
    };
  });

  const fileStats = new Map<number, { name: string; bytes: number; lines: number; documents: number }>();
  let badLines = 0;
  let missingField = 0;
  const firstBadLines: { document: string; error: string }[] = [];
  const firstMissing: string[] = [];
  for (const u of units) {
    if (u.kind !== 'scan') continue;
    const r = results[u.id];
    let st = fileStats.get(u.file);
    if (!st) {
      st = { name: files[u.file].name, bytes: files[u.file].size, lines: 0, documents: 0 };
      fileStats.set(u.file, st);
    }
    st.lines += r.lines;
    st.documents += r.documents;
    badLines += r.badLines;
    missingField += r.missingField;
    for (const b of r.firstBadLines) firstBadLines.push({ document: docId(u, b.line), error: b.error });
    for (const l of r.firstMissing) firstMissing.push(docId(u, l));
  }
  const fileList = [...fileStats.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  return {
    rule: cfg.rule,
    n: cfg.n,
    field: cfg.field,
    fingerprint: fingerprint({
      rule: cfg.rule,
      n: cfg.n,
      field: cfg.field,
      format: opts.format,
      benchmarks: opts.sources.map((s) => ({ label: s.label, hash: s.hash })),
      files: files.map((f) => ({ name: f.name, size: f.size })),
    }),
    ...(opts.shard && opts.shard.count > 1 ? { shard: { index: opts.shard.index, count: opts.shard.count } } : {}),
    benchmarks,
    documents: [...Float64Array.from(documents).sort()].map(keyName),
    corpus: corpusSummary(fileList, { badLines, firstBadLines, missingField, firstMissing }),
  };
}
