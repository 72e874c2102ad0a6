import { describe, expect, it } from 'vitest';
import { matchBenchmarks } from '../src/report/benchmarks-section.js';
import { modelLabel } from '../src/report/model-names.js';
import { leastSquares, niceAxis, overfitAnalysis } from '../src/report/stats.js';

describe('least squares', () => {
  it('recovers an exact line', () => {
    const f = leastSquares([1, 2, 3, 4], [5, 7, 9, 11])!;
    expect(f.slope).toBeCloseTo(2, 12);
    expect(f.intercept).toBeCloseTo(3, 12);
  });

  it('matches the textbook fit on noisy data', () => {
    // x̄ = 3, ȳ = 4; Sxy = 6, Sxx = 10 → slope 0.6, intercept 2.2
    const f = leastSquares([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])!;
    expect(f.slope).toBeCloseTo(0.6, 12);
    expect(f.intercept).toBeCloseTo(2.2, 12);
  });

  it('is undefined without spread in x or with fewer than two points', () => {
    expect(leastSquares([3, 3, 3], [1, 2, 3])).toBeUndefined();
    expect(leastSquares([1], [1])).toBeUndefined();
  });
});

describe('overfit analysis', () => {
  it('gives residuals, R², the residual SD with n − 2 and z = residual / SD', () => {
    const a = overfitAnalysis([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])!;
    const expected = [-0.8, 0.6, 1, -0.6, -0.2];
    for (const [i, p] of a.points.entries()) expect(p.residual).toBeCloseTo(expected[i], 12);
    const sse = expected.reduce((s, r) => s + r * r, 0); // 2.4
    expect(a.residualSd).toBeCloseTo(Math.sqrt(sse / 3), 12);
    expect(a.r2).toBeCloseTo(1 - sse / 6, 12);
    for (const [i, p] of a.points.entries()) expect(p.z).toBeCloseTo(expected[i] / Math.sqrt(0.8), 12);
  });

  it('flags a model far below the trend of the others, using the studentized residual', () => {
    // Four models on a clean trend, one with a top benchmark score and a poor exam score.
    const xs = [70, 80, 88, 93, 95];
    const ys = [30, 50, 66, 76, 20];
    const a = overfitAnalysis(xs, ys)!;
    const flagged = a.points.filter((p) => p.flagged).map((p) => p.x);
    expect(flagged).toEqual([95]);
    // Inside the all-points fit the outlier inflates the SD: its plain z is above −1.5 and would hide it.
    expect(a.points[4].z!).toBeGreaterThan(-1.5);
    expect(a.points[4].studentized!).toBeLessThan(-1.5);
  });

  it('computes the externally studentized residual like a leave-one-out refit', () => {
    const xs = [1, 2, 3, 4, 5, 6];
    const ys = [1.2, 1.9, 3.2, 3.8, 5.1, 2.0];
    const a = overfitAnalysis(xs, ys)!;
    for (let i = 0; i < xs.length; i++) {
      const ox = xs.filter((_, j) => j !== i);
      const oy = ys.filter((_, j) => j !== i);
      const f = leastSquares(ox, oy)!;
      const res = oy.map((y, j) => y - (f.slope * ox[j] + f.intercept));
      const s = Math.sqrt(res.reduce((t, r) => t + r * r, 0) / (ox.length - 2));
      const mx = ox.reduce((t, x) => t + x, 0) / ox.length;
      const sxx = ox.reduce((t, x) => t + (x - mx) ** 2, 0);
      const se = s * Math.sqrt(1 + 1 / ox.length + (xs[i] - mx) ** 2 / sxx);
      const t = (ys[i] - (f.slope * xs[i] + f.intercept)) / se;
      expect(a.points[i].studentized).toBeCloseTo(t, 9);
    }
    expect(a.points.filter((p) => p.flagged).map((p) => p.x)).toEqual([6]);
  });

  it('never flags a model above the line, nor anyone on an exact line', () => {
    const up = overfitAnalysis([70, 80, 88, 93, 95], [30, 50, 66, 76, 99])!;
    expect(up.points.some((p) => p.flagged)).toBe(false);
    const exact = overfitAnalysis([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])!;
    expect(exact.points.some((p) => p.flagged)).toBe(false);
    expect(exact.points.every((p) => p.z === undefined)).toBe(true);
  });

  it('flags a lone outlier from an otherwise exact line (clamped, printable)', () => {
    const a = overfitAnalysis([1, 2, 3, 4, 5], [2, 4, 6, 8, 3])!;
    expect(a.points[4]).toMatchObject({ flagged: true, studentized: -99 });
    expect(JSON.stringify(a)).not.toContain('null');
  });

  it('uses only the plain residual rule with three models (no leave-one-out fit is possible)', () => {
    const a = overfitAnalysis([60, 80, 95], [20, 60, 10])!;
    expect(a.flagPossible).toBe(true);
    expect(a.points.every((p) => p.studentized === undefined)).toBe(true);
    expect(a.points.some((p) => p.flagged)).toBe(false);
    expect(overfitAnalysis([60, 80], [20, 60])!.flagPossible).toBe(false);
  });

  it('flags a model more than 1.5 residual SDs below the least-squares line (the plain rule)', () => {
    // Twelve models on y = x/2 with small alternating noise; model 8 sits 10 points below the line.
    const xs = [40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95];
    const ys = xs.map((x, i) => x / 2 + (i % 2 ? 1 : -1) - (i === 8 ? 10 : 0));
    const a = overfitAnalysis(xs, ys)!;
    // Hand check: the residual SD is √(Σr²/(n−2)); the flag is r/SD < −1.5.
    const r = a.points.map((p) => p.residual);
    const sd = Math.sqrt(r.reduce((s, v) => s + v * v, 0) / (xs.length - 2));
    expect(a.residualSd).toBeCloseTo(sd, 12);
    expect(a.points[8].z!).toBeLessThan(-1.5);
    expect(a.points.map((p) => p.flagged)).toEqual(xs.map((_, i) => i === 8));
  });

  it('honours the threshold', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7];
    const ys = [1, 2.1, 2.9, 4.2, 5, 6.1, 5.2];
    const t = overfitAnalysis(xs, ys)!.points[6].studentized!;
    expect(overfitAnalysis(xs, ys, Math.abs(t) - 0.01)!.points[6].flagged).toBe(true);
    expect(overfitAnalysis(xs, ys, Math.abs(t) + 0.01)!.points[6].flagged).toBe(false);
  });
});

describe('axis and model matching', () => {
  it('gives round ticks covering the data within 0–100', () => {
    const a = niceAxis(62, 97);
    expect(a.lo).toBeLessThanOrEqual(62);
    expect(a.hi).toBeGreaterThanOrEqual(97);
    expect(a.hi).toBeLessThanOrEqual(100);
    expect(a.ticks[0]).toBe(a.lo);
    expect(a.ticks.at(-1)).toBe(a.hi);
    expect(a.ticks.every((t) => t % 5 === 0)).toBe(true);
  });

  it('matches CSV rows to run models by exact spec first, then by short name, case-insensitively', () => {
    const models = ['openai:gpt-4o', 'ollama:llama3.1:8b', 'replay:examples/answers/strong.jsonl', 'openai:o3'].map(
      (spec, index) => ({ spec, label: modelLabel(spec), index }),
    );
    expect(models.map((m) => m.label)).toEqual(['gpt-4o', 'llama3.1:8b', 'strong', 'o3']);
    const { matched, unmatchedCsv } = matchBenchmarks(models, [
      { model: 'GPT-4o', gsm8k: 0.9 },
      { model: 'ollama:llama3.1:8b', gsm8k: 0.7 },
      { model: 'strong', gsm8k: 0.8 },
      { model: 'claude', gsm8k: 0.95 },
    ]);
    expect([...matched].map(([i, r]) => [i, r.model])).toEqual([
      [1, 'ollama:llama3.1:8b'],
      [0, 'GPT-4o'],
      [2, 'strong'],
    ]);
    expect(unmatchedCsv).toEqual(['claude']);
  });
});
