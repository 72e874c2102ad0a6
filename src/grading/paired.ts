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
  const rnd = seededRandom(opts.seed ?? 1);
  const resamples = opts.resamples ?? 2000;
  const ratios = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rnd() * n);
      s += values[j];
      w += weights[j];
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
  /** Exact enumeration (up to 2^16 sign patterns) or Monte Carlo. */
  exact: boolean;
  /** 95% bootstrap interval of the difference of totals. */
  ci?: [number, number];
}

/**
 * Paired sign-flip permutation test on per-question differences: under "no difference" each question's
 * difference is as likely to have either sign. Exact for up to `exactUpTo` (16) differing questions, else `resamples`
 * random flips (p = (1 + hits) / (1 + resamples), never 0). Undefined below MIN_POINTS questions.
 */
export function pairedPermutationTest(
  a: number[],
  b: number[],
  opts: { resamples?: number; seed?: number; exactUpTo?: number } = {},
): PairedTest | undefined {
  if (a.length !== b.length) throw new Error('paired test: the two models need the same questions');
  const n = a.length;
  if (n < MIN_POINTS) return undefined;
  const d = a.map((x, i) => x - b[i]);
  const nz = d.filter((x) => Math.abs(x) > 1e-9);
  const diff = d.reduce((s, x) => s + x, 0);
  const observed = Math.abs(diff) - 1e-9;
  let p: number;
  let exact: boolean;
  if (nz.length === 0) {
    p = 1;
    exact = true;
  } else if (nz.length <= Math.min(20, opts.exactUpTo ?? 16)) {
    exact = true;
    let hits = 0;
    const patterns = 1 << nz.length;
    for (let mask = 0; mask < patterns; mask++) {
      let s = 0;
      for (let i = 0; i < nz.length; i++) s += mask & (1 << i) ? -nz[i] : nz[i];
      if (Math.abs(s) >= observed) hits++;
    }
    p = hits / patterns;
  } else {
    exact = false;
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
  return { diff, n, differing: nz.length, p, exact, ci: bootstrapTotalCi(d, opts) };
}
