/** Ordinary least squares y = slope·x + intercept; undefined when x has no spread or there are < 2 points. */
export function leastSquares(xs: number[], ys: number[]): { slope: number; intercept: number } | undefined {
  const n = xs.length;
  if (n < 2 || ys.length !== n) return undefined;
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

const MAX_T = 99;
const clamp = (t: number) => Math.max(-MAX_T, Math.min(MAX_T, t));

export const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

export interface OverfitPoint {
  x: number;
  y: number;
  /** y − predicted y, from the line fitted to every point. */
  residual: number;
  /** residual / residual SD of that line. */
  z?: number;
  /**
   * Externally studentized residual: how many SDs the point lies below (negative) or above the line fitted to the
   * OTHER points, with that fit's SD and the prediction's own uncertainty. This is what the flag uses: an
   * overfitted model pulls the all-points line towards itself and inflates its SD, so it could hide behind `z`.
   */
  studentized?: number;
  flagged: boolean;
}

export interface OverfitAnalysis {
  slope: number;
  intercept: number;
  r2: number;
  /** Residual standard error √(Σr²/(n−2)); undefined for n < 3. */
  residualSd?: number;
  threshold: number;
  points: OverfitPoint[];
  /** z needs n ≥ 3; the studentized residual n ≥ 4 (one degree of freedom left after leaving a point out). */
  flagPossible: boolean;
}

/**
 * The held-out vs public benchmark analysis: fit exam score on benchmark score by least squares, and flag models
 * more than `threshold` SDs below the line (their public score overstates what they do on unseen problems).
 */
export function overfitAnalysis(xs: number[], ys: number[], threshold = 1.5): OverfitAnalysis | undefined {
  const fit = leastSquares(xs, ys);
  if (!fit) return undefined;
  const n = xs.length;
  const mx = mean(xs);
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const residuals = xs.map((x, i) => ys[i] - (fit.slope * x + fit.intercept));
  const sse = residuals.reduce((s, r) => s + r * r, 0);
  const my = mean(ys);
  const tss = ys.reduce((s, y) => s + (y - my) ** 2, 0);
  const residualSd = n >= 3 ? Math.sqrt(sse / (n - 2)) : undefined;
  // Below this an SD is rounding noise of an exact fit.
  const tiny = 1e-7 * Math.max(1, Math.sqrt(tss / n), Math.abs(my));
  const points = residuals.map((r, i) => {
    const z = residualSd !== undefined && residualSd > tiny ? r / residualSd : undefined;
    let studentized: number | undefined;
    if (n >= 4) {
      const h = 1 / n + (xs[i] - mx) ** 2 / sxx;
      // SSE without point i, in closed form (Belsley, Kuh & Welsch): SSE − rᵢ²/(1 − hᵢᵢ).
      const sseOut = h < 1 ? Math.max(0, sse - (r * r) / (1 - h)) : Number.NaN;
      const sOut = Math.sqrt(sseOut / (n - 3));
      // The others on an exact line and this point off it: as far off as can be (clamped to stay printable JSON).
      if (Number.isFinite(sOut) && sOut > tiny) studentized = clamp(r / (sOut * Math.sqrt(1 - h)));
      else if (Number.isFinite(sOut) && Math.abs(r) > tiny) studentized = r > 0 ? MAX_T : -MAX_T;
    }
    return {
      x: xs[i],
      y: ys[i],
      residual: r,
      z,
      studentized,
      // The spec's rule (z) or the leave-one-out one, so a single far-off model cannot hide by dragging the line.
      flagged: (z !== undefined && z < -threshold) || (studentized !== undefined && studentized < -threshold),
    };
  });
  return { ...fit, r2: tss > 0 ? 1 - sse / tss : 1, residualSd, threshold, points, flagPossible: n >= 3 };
}

/** Round-number axis range and ticks covering [lo, hi], clamped to [min, max]. */
export function niceAxis(lo: number, hi: number, min = 0, max = 100): { lo: number; hi: number; ticks: number[] } {
  if (!(hi > lo)) {
    lo -= 5;
    hi += 5;
  }
  const span = hi - lo;
  const step = [1, 2, 5, 10, 20, 25, 50].find((s) => span / s <= 8) ?? 100;
  let a = Math.floor((lo - span * 0.08) / step) * step;
  let b = Math.ceil((hi + span * 0.08) / step) * step;
  a = Math.max(min, a);
  b = Math.min(max, b);
  if (b <= a) b = a + step;
  const ticks: number[] = [];
  for (let t = a; t <= b + 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return { lo: a, hi: b, ticks };
}
