import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBenchmarkSource } from '../src/contamination/bench/load.js';
import { analyseProbes } from '../src/probe/analyse.js';
import { minKMean, promptTokenScores } from '../src/probe/min-k.js';
import { mmluQuestions } from '../src/probe/mmlu.js';
import { readProbeManifest, readProbeRecords } from '../src/probe/records.js';
import { type ProbeOptions, runProbes } from '../src/probe/run-probe.js';
import {
  auroc,
  aurocWithCi,
  fisherGreater,
  mcnemarGreater,
  poissonBinomialGreater,
  wilson,
} from '../src/probe/stats.js';
import { optionMatches, scoreContinuation, splitItem } from '../src/probe/text-match.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { type ModelServer, startModelServer } from './helpers/model-server.js';
import {
  isMemorised,
  paraphrase,
  startLogprobServer,
  startMemorisingServer,
  startTsGuessingServer,
} from './helpers/probe-servers.js';
import { sharedBenchmarks } from './helpers/shared.js';

const FINALS = join(ROOT, 'exams/heldout-finals-2026-11');
const shared = sharedBenchmarks();
const fast = { baseDelayMs: 5, maxDelayMs: 20, retryAfterCapMs: 100 };

function probeWith(
  server: ModelServer,
  dir: string,
  more: Partial<ProbeOptions>,
): Promise<ReturnType<typeof runProbes>> {
  return runProbes({
    out: join(dir, 'run'),
    models: ['vllm:mem-test'],
    baseUrl: server.openaiBaseUrl,
    control: FINALS,
    cacheDir: join(dir, 'cache'),
    itemCacheDir: join(dir, 'items'),
    env: {},
    concurrency: 16,
    modelOptions: { retry: fast },
    ...more,
  }) as never;
}

describe('scoring a continuation', () => {
  const remainder = 'She sells the remainder at the market for $2 per egg. How much does she make?';
  it('an exact reproduction is exact even after a label, in other case and spacing, or followed by more text', () => {
    expect(scoreContinuation(remainder, remainder)).toMatchObject({ exact: true, match: true, rougeL: 1 });
    expect(scoreContinuation(`Second piece: ${remainder.toUpperCase()}`, remainder).exact).toBe(true);
    const more = scoreContinuation(`${remainder}\n\nSolution: 9 × 2 = 18 dollars, so she makes 18.`, remainder);
    expect(more.exact).toBe(true);
    expect(more.rougeL).toBeGreaterThan(0.9);
  });
  it('a near copy with one word changed is near-exact, a paraphrase is neither', () => {
    const near = scoreContinuation(remainder.replace('market', 'bazaar'), remainder);
    expect(near).toMatchObject({ exact: false, match: true });
    expect(near.lcnFraction).toBeLessThan(1);
    expect(near.lcn).toBeGreaterThanOrEqual(7);
    const para = scoreContinuation(paraphrase(remainder), remainder);
    expect(para.match).toBe(false);
    expect(para.rougeL).toBeLessThan(0.5);
    expect(scoreContinuation('', remainder)).toMatchObject({ exact: false, rougeL: 0, lcn: 0 });
  });
  it('splits at the sentence end nearest the middle, and refuses items too short to split', () => {
    const s = splitItem(
      'Tom has 3 apples and 4 pears in a bag. He gives 2 apples to Ann and eats a pear. How many are left?',
    );
    expect(s).toEqual({
      prefix: 'Tom has 3 apples and 4 pears in a bag.',
      remainder: 'He gives 2 apples to Ann and eats a pear. How many are left?',
    });
    expect(splitItem('Too short to split.')).toBeUndefined();
  });
  it('a TS-Guessing fill matches the option only when it is the option', () => {
    expect(optionMatches('Answer: Mitochondria.', 'mitochondria')).toBe(true);
    expect(optionMatches('The mitochondria', 'mitochondria')).toBe(false);
    expect(optionMatches('4\nbecause 2+2', '4')).toBe(true);
  });
});

describe('statistics', () => {
  it("Fisher's exact test, McNemar, Poisson-binomial and Wilson match textbook values", () => {
    // 3/3 vs 0/3: one table in 20 is as extreme.
    expect(fisherGreater(3, 3, 0, 3)).toBeCloseTo(0.05, 10);
    expect(fisherGreater(0, 10, 0, 10)).toBe(1);
    expect(mcnemarGreater(6, 0)).toBeCloseTo(1 / 64, 10);
    expect(poissonBinomialGreater(2, [0.5, 0.5])).toBeCloseTo(0.25, 10);
    expect(poissonBinomialGreater(1, [0.1, 0.2])).toBeCloseTo(1 - 0.9 * 0.8, 10);
    const [lo, hi] = wilson(10, 100);
    expect(lo).toBeCloseTo(0.0552, 3);
    expect(hi).toBeCloseTo(0.1744, 3);
  });
  it('AUROC counts ties as half and is 1 for perfect separation', () => {
    expect(auroc([3, 4], [1, 2])).toBe(1);
    expect(auroc([1, 2], [3, 4])).toBe(0);
    expect(auroc([1, 1], [1, 1])).toBe(0.5);
    expect(auroc([2, 3], [1, 3])).toBeCloseTo(0.625, 10);
    // Against counting every pair by hand, on data with many ties.
    const pos = Array.from({ length: 57 }, (_, i) => (i * 7) % 13);
    const neg = Array.from({ length: 31 }, (_, i) => (i * 5) % 11);
    let wins = 0;
    for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
    expect(auroc(pos, neg)).toBeCloseTo(wins / (pos.length * neg.length), 12);
  });
  it('the AUROC interval agrees with a plain resample-and-recount bootstrap', () => {
    const pos = Array.from({ length: 120 }, (_, i) => Math.sin(i * 1.7) + 0.4);
    const neg = Array.from({ length: 25 }, (_, i) => Math.cos(i * 2.3));
    const fast = aurocWithCi(pos, neg, { seed: 7, resamples: 4000 });
    let state = 12345;
    const rnd = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    const pick = (v: number[]) => v.map(() => v[Math.floor(rnd() * v.length)]);
    const plain = Array.from({ length: 4000 }, () => auroc(pick(pos), pick(neg))).sort((a, b) => a - b);
    expect(fast.auroc).toBeCloseTo(auroc(pos, neg), 12);
    expect(fast.ci[0]).toBeCloseTo(plain[100], 1);
    expect(fast.ci[1]).toBeCloseTo(plain[3899], 1);
    expect(fast.ci[0]).toBeLessThan(fast.auroc);
    expect(fast.ci[1]).toBeGreaterThan(fast.auroc);
  });
  it('Min-K% scores only the prompt tokens and averages the lowest k%', () => {
    const t = promptTokenScores(
      {
        tokens: ['A', ' cat', ' sat', ' and'],
        tokenLogprobs: [null, -1, -3, -0.1],
        topLogprobs: [null, { ' cat': -1, ' dog': -1 }, { ' sat': -3, ' ran': -0.1 }, { ' and': -0.1 }],
        textOffset: [0, 1, 5, 9],
      },
      9,
    );
    expect(t.logprobs).toEqual([-1, -3]);
    expect(t.zscores[0]).toBeCloseTo(0, 10);
    expect(t.zscores[1]).toBeLessThan(-0.9);
    expect(minKMean([-1, -3, -2, -0.5, -0.1], 0.4)).toBe(-2.5);
  });
});

describe.skipIf(!shared)('probes against loopback models with a known memory', { timeout: 180_000 }, () => {
  const servers: ModelServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const gsm8k = () => `gsm8k=${shared}/gsm8k`;

  it('guided completion finds ≥ 90% of the memorised GSM8K items and flags the model; no memory, no flag', async () => {
    const mem = await startMemorisingServer(shared!, { memory: true });
    const none = await startMemorisingServer(shared!, { memory: false });
    servers.push(mem, none);
    const dir = tempDir('heldout-probe-');
    const r = await probeWith(mem, dir, { benches: [gsm8k()], n: 200, probes: ['guided'] });
    expect(r.failed).toBe(0);
    const f = r.findings.models[0];
    const g = f.guided[0];
    expect(g.guided.n).toBe(200);
    const recs = readProbeRecords(r.dir).records.filter((x) => x.variant === 'guided' && x.set === 'benchmark');
    const source = await loadBenchmarkSource(gsm8k(), { itemCacheDir: false });
    const text = new Map(source.items.map((i) => [i.id, i.text]));
    const memorised = recs.filter((x) => isMemorised(text.get(x.itemId)!));
    expect(memorised.length).toBeGreaterThan(40);
    const found = new Set(g.found.map((x) => x.itemId));
    const hit = memorised.filter((x) => found.has(x.itemId)).length;
    expect(hit / memorised.length).toBeGreaterThanOrEqual(0.9);
    // And it does not find what was not memorised.
    expect(g.found.length - hit).toBeLessThanOrEqual(2);
    expect(g.guided.rate).toBeGreaterThan(g.guided.ci[0]);
    expect(g.pGeneral).toBeLessThan(0.001);
    expect(g.pControl).toBeLessThan(0.05);
    expect(f.control?.guided.n).toBe(18);
    expect(f.flagged).toBe(true);
    expect(f.reasons[0]).toMatch(/GSM8K/);
    // The sample is seeded and recorded: the manifest has the 200 ids, all from the test split.
    const manifest = readProbeManifest(r.dir);
    expect(manifest.benchmarks[0].items).toHaveLength(200);
    expect(manifest.benchmarks[0].items.every((id) => id.startsWith('gsm8k/test:'))).toBe(true);
    expect(manifest.params.templates.guided).toContain('{{dataset}}');

    const clean = await probeWith(none, tempDir('heldout-probe-'), { benches: [gsm8k()], n: 200, probes: ['guided'] });
    expect(clean.findings.models[0].flagged).toBe(false);
    expect(clean.findings.models[0].guided[0].guided.matches).toBe(0);
    // Same seed, same sample.
    expect(readProbeManifest(clean.dir).benchmarks[0].items).toEqual(manifest.benchmarks[0].items);
  });

  it('Min-K% and Min-K%++ separate memorised benchmark items from the control (AUROC > 0.9); without memory the interval holds 0.5', async () => {
    const mem = await startLogprobServer(shared!, { memory: true });
    const none = await startLogprobServer(shared!, { memory: false });
    servers.push(mem, none);
    const r = await probeWith(mem, tempDir('heldout-probe-'), { benches: [gsm8k()], n: 100, probes: ['min-k'] });
    expect(r.failed).toBe(0);
    expect(mem.requests[0].body).toMatchObject({ echo: true, logprobs: 5, max_tokens: 1 });
    expect(mem.requests[0].path).toBe('/v1/completions');
    const m = r.findings.models[0].minK[0];
    expect(m.nBenchmark).toBe(100);
    expect(m.nControl).toBe(18);
    expect(m.minK?.auroc).toBeGreaterThan(0.9);
    expect(m.minKpp?.auroc).toBeGreaterThan(0.9);
    expect(m.separates).toBe(true);
    const c = await probeWith(none, tempDir('heldout-probe-'), { benches: [gsm8k()], n: 100, probes: ['min-k'] });
    const n = c.findings.models[0].minK[0];
    for (const s of [n.minK!, n.minKpp!]) {
      expect(s.ci[0]).toBeLessThanOrEqual(0.5);
      expect(s.ci[1]).toBeGreaterThanOrEqual(0.5);
    }
    expect(n.separates).toBe(false);
  });

  it('a server that ignores echo gets a clear failure per Min-K% call, not a score of the wrong tokens', async () => {
    const noEcho = await startModelServer({
      answer: () => ' The',
      logprobs: () => ({
        tokens: [' The'],
        token_logprobs: [-0.1],
        top_logprobs: [{ ' The': -0.1 }],
        text_offset: [0],
      }),
    });
    servers.push(noEcho);
    const r = await probeWith(noEcho, tempDir('heldout-probe-'), { benches: [gsm8k()], n: 5, probes: ['min-k'] });
    expect(r.failed).toBe(5 + 18);
    const rec = readProbeRecords(r.dir).records[0];
    expect(rec.error?.message).toMatch(/did not echo the prompt/);
    expect(rec.logprobs).toBeUndefined();
    expect(r.findings.models[0].minK).toEqual([]);
  });

  it('--max-cost stops scheduling once the real spend reaches it (answers far longer than estimated), and resume goes on', async () => {
    const verbose = await startModelServer({ answer: () => 'word '.repeat(20_000) });
    servers.push(verbose);
    const dir = tempDir('heldout-probe-');
    const config = {
      models: { pricey: { spec: 'vllm:pricey', baseUrl: verbose.openaiBaseUrl, prices: { input: 0, output: 1e6 } } },
      raw: {},
    };
    const events: string[] = [];
    const r = await probeWith(verbose, dir, {
      models: ['pricey'],
      config,
      benches: [gsm8k()],
      n: 2,
      probes: ['guided'],
      concurrency: 2,
      maxCost: 15_000,
      onEvent: (e) => {
        if (e.type === 'estimate') expect(e.estimate.cost).toBeLessThan(15_000);
        events.push(e.type);
      },
    });
    expect(events).toContain('budget');
    expect(r.overBudget).toBe(true);
    expect(r.interrupted).toBe(true);
    expect(r.spent).toBeGreaterThanOrEqual(15_000);
    // Only the calls already in flight when the limit was reached finished.
    expect(r.done).toBeLessThanOrEqual(3);
    expect(readProbeManifest(r.dir).status).toBe('interrupted');
    const more = await probeWith(verbose, dir, { config, resume: true, models: [] });
    expect(more.done + r.done).toBe(r.planned);
  });

  it('TS-Guessing measures the planted exact-fill rate within its interval, far above chance; no memory, no flag', async () => {
    const source = await loadBenchmarkSource(`mmlu=${shared}/mmlu`, { itemCacheDir: false });
    const rows = [...(await mmluQuestions(source)).values()];
    expect(rows.length).toBeGreaterThan(15_000);
    const planted = await startTsGuessingServer(rows, { plantedRate: 0.3 });
    const blank = await startTsGuessingServer(rows, { plantedRate: 0 });
    servers.push(planted, blank);
    const dir = tempDir('heldout-probe-');
    const r = await probeWith(planted, dir, { benches: [`mmlu=${shared}/mmlu`], n: 200, probes: ['ts-guessing'] });
    const t = r.findings.models[0].tsGuessing[0];
    expect(t.stat.n).toBe(200);
    expect(t.stat.ci[0]).toBeLessThanOrEqual(0.3);
    expect(t.stat.ci[1]).toBeGreaterThanOrEqual(0.3);
    expect(t.stat.rate).toBeGreaterThan(0.2);
    expect(t.chanceRate).toBeLessThan(0.05);
    expect(t.flagged).toBe(true);
    // The masked option is a wrong one, never the answer.
    const recs = readProbeRecords(r.dir).records;
    const byId = new Map(rows.map((q) => [q.id, q]));
    for (const rec of recs) {
      const q = byId.get(rec.itemId)!;
      expect(rec.reference).not.toBe(q.choices[q.answer]);
      expect(q.choices).toContain(rec.reference);
      expect(rec.prompt).toContain('[MASK]');
    }
    const b = await probeWith(blank, tempDir('heldout-probe-'), {
      benches: [`mmlu=${shared}/mmlu`],
      n: 200,
      probes: ['ts-guessing'],
    });
    expect(b.findings.models[0].tsGuessing[0].stat.exact).toBe(0);
    expect(b.findings.models[0].flagged).toBe(false);
  });

  it('an interrupted probe resumes without losing or repeating a call, and ends where an uninterrupted one does', async () => {
    const slow = await startMemorisingServer(shared!, { memory: true, latencyMs: 20 });
    servers.push(slow);
    const dir = tempDir('heldout-probe-');
    const stop = new AbortController();
    let seen = 0;
    const first = await probeWith(slow, dir, {
      benches: [gsm8k()],
      n: 60,
      probes: ['guided'],
      noCache: true,
      concurrency: 4,
      graceMs: 5000,
      stop: stop.signal,
      onEvent: (e) => {
        if (e.type === 'item' && ++seen === 25) stop.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(readProbeManifest(first.dir).status).toBe('interrupted');
    const kept = readFileSync(join(first.dir, 'probes.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    expect(kept).toBeGreaterThanOrEqual(25);
    expect(kept).toBeLessThan(first.planned);
    // A torn last line, as a kill -9 mid-write leaves it, is repaired on resume.
    writeFileSync(join(first.dir, 'probes.jsonl'), `${readFileSync(join(first.dir, 'probes.jsonl'), 'utf8')}{"id":"x`);
    slow.reset();
    const second = await probeWith(slow, dir, { resume: true, noCache: true, models: [] });
    expect(second.interrupted).toBe(false);
    expect(second.todo).toBe(first.planned - kept);
    expect(slow.count).toBe(first.planned - kept);
    const lines = readFileSync(join(second.dir, 'probes.jsonl'), 'utf8').split('\n').filter(Boolean);
    const ids = lines.map((l) => JSON.parse(l).id);
    expect(ids).toHaveLength(first.planned);
    expect(new Set(ids).size).toBe(first.planned);
    expect(readProbeManifest(second.dir).status).toBe('complete');
    expect(readProbeManifest(second.dir).sessions).toHaveLength(2);

    const whole = await probeWith(slow, tempDir('heldout-probe-'), { benches: [gsm8k()], n: 60, probes: ['guided'] });
    const strip = (f: typeof whole.findings) => JSON.stringify(f.models.map((m) => ({ ...m, model: '' })));
    expect(strip(second.findings)).toBe(strip(whole.findings));
    // The findings do not depend on the order the answers arrived in.
    const recs = readProbeRecords(second.dir).records;
    expect(analyseProbes(readProbeManifest(second.dir), [...recs].reverse())).toEqual(second.findings);
  });
});

beforeAll(() => {
  expect(existsSync(FINALS)).toBe(true);
});

describe('TS-Guessing chance', () => {
  it('reads MMLU options and answers, and rates an option common in its subject as easier to guess', async () => {
    const dir = tempDir('heldout-mmlu-');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'mmlu/test'), { recursive: true });
    // Our own toy items, in MMLU's CSV layout.
    writeFileSync(
      join(dir, 'mmlu/test/toy_logic_test.csv'),
      [
        'Is every square a rectangle?,True,False,Only in the plane,Never in three dimensions,A',
        'Is every rectangle a square?,True,False,Only when it has a right angle,Only in the plane,B',
        '"Which number, squared, gives 49?",5,6,7,8,C',
        'Is zero an even number?,True,False,Neither even nor odd,It depends on the base,A',
      ].join('\n'),
    );
    const source = await loadBenchmarkSource(`mmlu=${join(dir, 'mmlu')}`, { itemCacheDir: false });
    const qs = await mmluQuestions(source);
    expect([...qs.keys()]).toEqual([
      'mmlu/test/toy_logic:1',
      'mmlu/test/toy_logic:2',
      'mmlu/test/toy_logic:3',
      'mmlu/test/toy_logic:4',
    ]);
    expect(qs.get('mmlu/test/toy_logic:3')).toMatchObject({ question: 'Which number, squared, gives 49?', answer: 2 });
    const { chanceRates } = await import('../src/probe/mmlu.js');
    const norm = (s: string) => s.toLowerCase();
    const rates = chanceRates(
      [
        { id: 'mmlu/test/toy_logic:2', masked: 'True' },
        { id: 'mmlu/test/toy_logic:3', masked: '5' },
      ],
      qs,
      norm,
    );
    // "True" appears in two of the other three items' 12 options; "5" in none (smoothed, never 0).
    expect(rates.get('mmlu/test/toy_logic:2')).toBeCloseTo(2.5 / 13, 10);
    expect(rates.get('mmlu/test/toy_logic:3')).toBeCloseTo(0.5 / 13, 10);
  });
});
