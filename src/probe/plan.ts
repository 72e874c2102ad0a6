import type { BenchmarkSource } from '../contamination/bench/source.js';
import { sha256 } from '../io/hash.js';
import type { ModelCaller } from '../models/index.js';
import { seededRandom } from '../random.js';
import { chanceRates, type MmluQuestion } from './mmlu.js';
import { compilePrompt } from './prompts.js';
import { type ProbeKind, type ProbeParams, probeRecordId } from './records.js';
import { splitItem, words } from './text-match.js';

/** An item a probe can ask about: a benchmark item, or a question of the control exam. */
export interface ProbeItem {
  id: string;
  text: string;
  /** The split the item is from (`test`), for the guided instruction. */
  split?: string;
}

export interface ProbeSet {
  set: 'benchmark' | 'control';
  /** Benchmark label, or `exam:<id>`. */
  source: string;
  /** How the guided instruction names it: `GSM8K`, or the exam's title. */
  dataset: string;
  /** The source's format (gsm8k, mmlu, …; `exam` for the control). */
  format: string;
  items: ProbeItem[];
  /** MMLU only: the options and answers, for TS-Guessing. */
  mmlu?: Map<string, MmluQuestion>;
}

/** One model call to make. */
export interface ProbeTask {
  id: string;
  caller: ModelCaller;
  probe: ProbeKind;
  variant: string;
  set: 'benchmark' | 'control';
  source: string;
  itemId: string;
  prompt: string;
  /** What the answer is scored against (guided: the remainder; TS-Guessing: the masked option). */
  reference?: string;
  maxTokens: number;
  /** Min-K%: a completions call with the prompt echoed and its token log-probabilities. */
  logprobs?: number;
  chance?: number;
  /** Tokens expected, for the cost estimate. */
  estimate: { input: number; output: number };
}

const DISPLAY: Record<string, string> = { gsm8k: 'GSM8K', math: 'MATH', mmlu: 'MMLU', humaneval: 'HumanEval' };

export function datasetName(source: BenchmarkSource): string {
  return DISPLAY[source.name] ?? source.label;
}

/** The split each item comes from (from the file it was read from). */
export function itemSplits(source: BenchmarkSource): Map<string, string> {
  const out = new Map<string, string>();
  let offset = 0;
  for (const f of source.files) {
    for (let i = offset; i < offset + f.items; i++) out.set(source.items[i].id, f.split);
    offset += f.items;
  }
  return out;
}

/** A seed for one purpose, so that adding a benchmark does not reshuffle another's sample. */
export function subSeed(seed: number, ...parts: string[]): number {
  return Number.parseInt(sha256(`${seed}\0${parts.join('\0')}`).slice(0, 8), 16);
}

/**
 * A seeded sample of `n` items (fewer if the source has fewer that qualify): items of the split, long enough to cut
 * in two (8 words or more), and for MMLU with TS-Guessing, items whose options could be read.
 */
export function sampleItems(
  source: BenchmarkSource,
  opts: { n: number; seed: number; split?: string; mmlu?: Map<string, MmluQuestion> },
): string[] {
  const splits = itemSplits(source);
  const pool = opts.split ? source.items.filter((it) => splits.get(it.id) === opts.split) : source.items.slice();
  const rnd = seededRandom(subSeed(opts.seed, 'sample', source.label));
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  // Walk the shuffled pool and keep the first n that qualify: only about n items are examined, not the benchmark.
  const out: string[] = [];
  for (const it of pool) {
    if (out.length >= opts.n) break;
    if ((!opts.mmlu || opts.mmlu.has(it.id)) && splitItem(it.text) !== undefined) out.push(it.id);
  }
  return out;
}

const tokensOf = (chars: number) => Math.max(1, Math.ceil(chars / 4));
const LETTERS = 'ABCD';

/** Every call the probes make for one model, in a stable order. */
export function planTasks(caller: ModelCaller, sets: ProbeSet[], params: ProbeParams): ProbeTask[] {
  const guided = compilePrompt(params.templates.guided, 'guided.hbs');
  const general = compilePrompt(params.templates.general, 'general.hbs');
  const ts = compilePrompt(params.templates.tsGuessing, 'ts-guessing.hbs');
  const tasks: ProbeTask[] = [];
  const base = (set: ProbeSet, item: ProbeItem, probe: ProbeKind, variant: string) => ({
    id: probeRecordId(caller.spec, probe, variant, item.id),
    caller,
    probe,
    variant,
    set: set.set,
    source: set.source,
    itemId: item.id,
  });
  for (const set of sets) {
    if (params.probes.includes('guided')) {
      for (const item of set.items) {
        const cut = splitItem(item.text);
        if (!cut) continue;
        const maxTokens = Math.max(64, Math.ceil(cut.remainder.length / 2));
        const out = tokensOf(cut.remainder.length) + 8;
        const ctx = { dataset: set.dataset, split: item.split ?? 'test', prefix: cut.prefix };
        for (const [variant, render] of [
          ['guided', guided],
          ['general', general],
        ] as const) {
          const prompt = render(ctx);
          tasks.push({
            ...base(set, item, 'guided', variant),
            prompt,
            reference: cut.remainder,
            maxTokens,
            estimate: { input: tokensOf(prompt.length), output: out },
          });
        }
      }
    }
    if (params.probes.includes('ts-guessing') && set.mmlu) {
      const masks = set.items.flatMap((item) => {
        const q = set.mmlu?.get(item.id);
        if (!q) return [];
        const wrong = q.choices.map((_, i) => i).filter((i) => i !== q.answer && words(q.choices[i]).length > 0);
        if (!wrong.length) return [];
        const pick = wrong[subSeed(params.seed, 'mask', item.id) % wrong.length];
        return [{ item, q, pick, masked: q.choices[pick] }];
      });
      const chance = chanceRates(
        masks.map((m) => ({ id: m.item.id, masked: m.masked })),
        set.mmlu,
        (s) => words(s).join(' '),
      );
      for (const m of masks) {
        const prompt = ts({
          letter: LETTERS[m.pick],
          question: m.q.question.trim(),
          options: m.q.choices.map((c, i) => ({ letter: LETTERS[i], text: i === m.pick ? '[MASK]' : c.trim() })),
        });
        tasks.push({
          ...base(set, m.item, 'ts-guessing', 'ts-guessing'),
          prompt,
          reference: m.masked,
          maxTokens: Math.max(32, Math.ceil(m.masked.length / 2)),
          chance: chance.get(m.item.id),
          estimate: { input: tokensOf(prompt.length), output: tokensOf(m.masked.length) + 4 },
        });
      }
    }
    if (params.probes.includes('min-k')) {
      for (const item of set.items) {
        tasks.push({
          ...base(set, item, 'min-k', 'min-k'),
          prompt: item.text,
          maxTokens: 1,
          logprobs: params.topLogprobs,
          estimate: { input: tokensOf(item.text.length), output: 1 },
        });
      }
    }
  }
  return tasks;
}

export interface CostEstimate {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** US dollars, when every model has prices in the config. */
  cost?: number;
  perModel: { model: string; calls: number; inputTokens: number; outputTokens: number; cost?: number }[];
}

/** Calls, tokens and dollars for the tasks still to do (before the cache: cached answers cost nothing). */
export function estimateCost(tasks: ProbeTask[], callers: ModelCaller[]): CostEstimate {
  const perModel = callers.map((c) => {
    const mine = tasks.filter((t) => t.caller === c);
    const inputTokens = mine.reduce((s, t) => s + t.estimate.input, 0);
    const outputTokens = mine.reduce((s, t) => s + t.estimate.output, 0);
    const cost = c.prices ? (inputTokens * c.prices.input + outputTokens * c.prices.output) / 1e6 : undefined;
    return { model: c.spec, calls: mine.length, inputTokens, outputTokens, cost };
  });
  const sum = (f: (m: (typeof perModel)[number]) => number) => perModel.reduce((s, m) => s + f(m), 0);
  const priced = perModel.every((m) => m.cost !== undefined || m.calls === 0);
  return {
    calls: sum((m) => m.calls),
    inputTokens: sum((m) => m.inputTokens),
    outputTokens: sum((m) => m.outputTokens),
    cost: priced ? sum((m) => m.cost ?? 0) : undefined,
    perModel,
  };
}
