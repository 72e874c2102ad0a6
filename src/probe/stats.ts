import { seededRandom } from '../random.js';

/** Statistics for the probes: exact tests for small counts, Wilson intervals for rates, a bootstrap for AUROC. */

/** log(n!) by summation, cached: counts here stay in the thousands. */
const logFactCache: number[] = [0];
function logFact(n: number): number {
  for (let k = logFactCache.length; k <= n; k++) logFactCache[k] = logFactCache[k - 1] + Math.log(k);
  return logFactCache[n];
}
const logChoose = (n: number, k: number) => logFact(n) - logFact(k) - logFact(n - k);

/**
 * One-sided Fisher's exact test: the probability, with the margins fixed, of seeing at least `a` successes in the
 * first group (a of n1) against b of n2. Small p: the first group's rate is higher.
 */
export function fisherGreater(a: number, n1: number, b: number, n2: number): number {
  const k = a + b;
  const n = n1 + n2;
  const lo = Math.max(0, k - n2);
  const hi = Math.min(k, n1);
  if (n1 === 0 || n2 === 0) return 1;
  let p = 0;
  for (let x = Math.max(a, lo); x <= hi; x++) {
    p += Math.exp(logChoose(n1, x) + logChoose(n2, k - x) - logChoose(n, k));
  }
  return Math.min(1, p);
}

/** One-sided binomial tail P(X ≥ k) for X ~ Bin(n, p). */
export function binomialGreater(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let s = 0;
  for (let x = k; x <= n; x++) s += Math.exp(logChoose(n, x) + x * Math.log(p) + (n - x) * Math.log1p(-p));
  return Math.min(1, s);
}

/**
 * Exact McNemar test for paired yes/no outcomes, one-sided: of the pairs that differ, `onlyA` favour A and `onlyB`
 * favour B. Small p: A says yes more often than B on the same items.
 */
export function mcnemarGreater(onlyA: number, onlyB: number): number {
  return binomialGreater(onlyA, onlyA + onlyB, 0.5);
}

/** P(X ≥ k) where X is a sum of independent Bernoulli(p_i) (Poisson-binomial), by dynamic programming. */
export function poissonBinomialGreater(k: number, ps: number[]): number {
  if (k <= 0) return 1;
  let dist = new Float64Array(ps.length + 1);
  dist[0] = 1;
  ps.forEach((p, i) => {
    const next = new Float64Array(ps.length + 1);
    for (let x = 0; x <= i; x++) {
      next[x] += dist[x] * (1 - p);
      next[x + 1] += dist[x] * p;
    }
    dist = next;
  });
  let s = 0;
  for (let x = k; x <= ps.length; x++) s += dist[x];
  return Math.min(1, s);
}

/** Wilson score interval of a proportion (95% by default). */
export function wilson(successes: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** In a sorted array: the number of values below v (`strict` false), or at most v (`strict` true). */
function countBelow(sorted: Float64Array, v: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v || (strict && sorted[mid] === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * AUROC: the chance that a random positive scores above a random negative (ties count half). The negatives are
 * sorted once and each positive placed by binary search: O((P + N) log N).
 */
export function auroc(pos: number[], neg: number[]): number {
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  const sorted = Float64Array.from(neg).sort();
  let wins = 0;
  for (const v of pos) {
    const below = countBelow(sorted, v, false);
    wins += below + (countBelow(sorted, v, true) - below) / 2;
  }
  return wins / (pos.length * neg.length);
}

/**
 * AUROC with a stratified percentile-bootstrap 95% interval (positives and negatives resampled separately). Each
 * positive's place among the sorted negatives is found once; a resample then only counts how often each negative was
 * drawn (prefix sums), so it costs O(P + N) with no sorting.
 */
export function aurocWithCi(
  pos: number[],
  neg: number[],
  opts: { resamples?: number; seed?: number } = {},
): { auroc: number; ci: [number, number] } {
  const value = auroc(pos, neg);
  if (!Number.isFinite(value)) return { auroc: value, ci: [Number.NaN, Number.NaN] };
  const rnd = seededRandom(opts.seed ?? 1);
  const b = opts.resamples ?? 1000;
  const sorted = Float64Array.from(neg).sort();
  const P = pos.length;
  const N = sorted.length;
  const lo = Uint32Array.from(pos, (v) => countBelow(sorted, v, false));
  const hi = Uint32Array.from(pos, (v) => countBelow(sorted, v, true));
  const drawn = new Uint32Array(N);
  const prefix = new Float64Array(N + 1);
  const draws = new Float64Array(b);
  for (let r = 0; r < b; r++) {
    drawn.fill(0);
    for (let k = 0; k < N; k++) drawn[Math.floor(rnd() * N)]++;
    for (let j = 0; j < N; j++) prefix[j + 1] = prefix[j] + drawn[j];
    let wins = 0;
    for (let k = 0; k < P; k++) {
      const i = Math.floor(rnd() * P);
      wins += prefix[lo[i]] + (prefix[hi[i]] - prefix[lo[i]]) / 2;
    }
    draws[r] = wins / (P * N);
  }
  draws.sort();
  const at = (q: number) => draws[Math.min(b - 1, Math.max(0, Math.round(q * (b - 1))))];
  return { auroc: value, ci: [at(0.025), at(0.975)] };
}
