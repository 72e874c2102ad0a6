import { seededRandom } from '../random.js';

/**
 * Uncertainty over questions: a percentile bootstrap of a model's exam total, and a paired sign-flip permutation
 * test between two models on the same questions, so that "A beats B" is said only when the data support it.
 * Below MIN_POINTS questions neither is computed: with so few, the numbers would look more certain than they are.
 */

export const MIN_POINTS = 8;

/** 95% percentile bootstrap of Σ values (resampling questions with replacement); undefined below MIN_POINTS. */
export function bootstrapTotalCi(
  values: number[],
  opts: { resamples?: number; seed?: number } = {},
): [number, number] | undefined {
  const n = values.length;
  if (n < MIN_POINTS) return undefined;
  const rnd = seededRandom(opts.seed ?? 1);
  const resamples = opts.resamples ?? 2000;
  const totals = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rnd() * n)];
    totals[b] = s;
  }
  totals.sort();
  const at = (q: number) => totals[Math.min(resamples - 1, Math.max(0, Math.floor(q * (resamples - 1))))];
  return [at(0.025), at(0.975)];
}

/**
 * 95% percentile bootstrap of Σ values / Σ weights over questions resampled with replacement (a score in percent
 * of the points at stake: questions are worth different points); undefined below MIN_POINTS.
 */
export function bootstrapRatioCi(
  values: number[],
  weights: number[],
  opts: { resamples?: number; seed?: number } = {},
): [number, number] | undefined {
  const n = values.length;
  if (n < MIN_POINTS || weights.length !== n) return undefined;
  const resamples = opts.resamples ?? 2000;
  const ratios = new Float64Array(resamples);
  const v = Float64Array.from(values);
  const wt = Float64Array.from(weights);
  // mulberry32 (as seededRandom), inlined: this loop runs once per model in every report.
  let state = (opts.seed ?? 1) >>> 0;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const j = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
      s += v[j];
      w += wt[j];
    }
    ratios[b] = w > 0 ? s / w : 0;
  }
  ratios.sort();
  const at = (q: number) => ratios[Math.min(resamples - 1, Math.max(0, Math.floor(q * (resamples - 1))))];
  return [at(0.025), at(0.975)];
}

export interface PairedTest {
  /** Σ (a − b): the difference of the totals. */
  diff: number;
  /** Questions compared, and those where the two differ. */
  n: number;
  differing: number;
  /** Two-sided p-value of "no difference" (sign-flip permutation over questions). */
  p: number;
  /** Exact (differences on a grid) or Monte Carlo. */
  exact: boolean;
  /** 95% bootstrap interval of the difference of totals. */
  ci?: [number, number];
}

/** Grid steps tried for the exact test: point differences are usually whole, halves, or means over a few samples. */
const GRID = [1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24, 60, 120];
const MAX_GRID_SUM = 200_000;

/**
 * Exact two-sided p of the sign-flip test when the differences lie on a grid 1/k: the distribution of Σ ±dᵢ by
 * dynamic programming over the sums (n · Σ|dᵢ|·k steps). Undefined when they do not (then Monte Carlo).
 */
function exactSignFlipP(nz: number[], observed: number): number | undefined {
  for (const k of GRID) {
    const ints = nz.map((x) => Math.abs(x) * k);
    if (!ints.every((v) => Math.abs(v - Math.round(v)) < 1e-6)) continue;
    const steps = ints.map(Math.round);
    const total = steps.reduce((s, v) => s + v, 0);
    if (total > MAX_GRID_SUM) return undefined;
    let dist = new Float64Array(2 * total + 1);
    dist[total] = 1;
    for (const a of steps) {
      const next = new Float64Array(dist.length);
      for (let t = 0; t < dist.length; t++) {
        const v = dist[t];
        if (v === 0) continue;
        next[t + a] += v / 2;
        next[t - a] += v / 2;
      }
      dist = next;
    }
    const obs = Math.round(Math.abs(observed) * k);
    let p = 0;
    for (let t = 0; t < dist.length; t++) if (Math.abs(t - total) >= obs) p += dist[t];
    return Math.min(1, p);
  }
  return undefined;
}

/**
 * Paired sign-flip permutation test on per-question differences: under "no difference" each question's
 * difference is as likely to have either sign. Exact when the differences lie on a grid (whole points, halves,
 * means over a few samples: almost always), else `resamples` random flips (p = (1 + hits) / (1 + resamples),
 * never 0). Undefined below MIN_POINTS questions. `ci: false` skips the bootstrap interval of the difference.
 */
export function pairedPermutationTest(
  a: number[],
  b: number[],
  opts: { resamples?: number; seed?: number; ci?: boolean } = {},
): PairedTest | undefined {
  if (a.length !== b.length) throw new Error('paired test: the two models need the same questions');
  const n = a.length;
  if (n < MIN_POINTS) return undefined;
  const d = a.map((x, i) => x - b[i]);
  const nz = d.filter((x) => Math.abs(x) > 1e-9);
  const diff = d.reduce((s, x) => s + x, 0);
  let p: number | undefined;
  let exact = true;
  if (nz.length === 0) p = 1;
  else p = exactSignFlipP(nz, diff);
  if (p === undefined) {
    exact = false;
    const observed = Math.abs(diff) - 1e-9;
    const rnd = seededRandom(opts.seed ?? 1);
    const resamples = opts.resamples ?? 10_000;
    let hits = 0;
    for (let r = 0; r < resamples; r++) {
      let s = 0;
      for (const x of nz) s += rnd() < 0.5 ? -x : x;
      if (Math.abs(s) >= observed) hits++;
    }
    p = (1 + hits) / (1 + resamples);
  }
  return {
    diff,
    n,
    differing: nz.length,
    p,
    exact,
    ci: opts.ci === false ? undefined : bootstrapTotalCi(d, opts),
  };
}
