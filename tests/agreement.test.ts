import { describe, expect, it } from 'vitest';
import { agreement, krippendorffAlpha, pairStats, weightedKappa } from '../src/grading/agreement.js';
import { checkerAgreement } from '../src/grading/checker-agreement.js';
import type { GradeRecord } from '../src/store/records.js';

describe("Cohen's kappa", () => {
  it('matches the Wikipedia example (two categories, where quadratic weights equal unweighted kappa)', () => {
    // Wikipedia, "Cohen's kappa", simple example: 50 applications, both yes 20, A yes/B no 5, A no/B yes 10,
    // both no 15. p_o = (20 + 15) / 50 = 0.7; p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
    const pairs: [number, number][] = [
      ...Array.from({ length: 20 }, (): [number, number] => [1, 1]),
      ...Array.from({ length: 5 }, (): [number, number] => [1, 0]),
      ...Array.from({ length: 10 }, (): [number, number] => [0, 1]),
      ...Array.from({ length: 15 }, (): [number, number] => [0, 0]),
    ];
    expect(weightedKappa(pairs)).toBeCloseTo(0.4, 10);
  });

  it('matches a quadratic-weighted example computed by hand from the confusion matrix', () => {
    // Ratings 0..2, n = 8: (0,0) (1,1) (2,2) (0,1) (1,2) (2,2) (0,0) (2,1).
    // Observed matrix O (rows A, cols B): [[2,1,0],[0,1,1],[0,1,2]]; row sums 3,2,3; col sums 2,3,3.
    // w_ij = (i−j)²: Σ w·O = 1·1 (0,1) + 1·1 (1,2) + 1·1 (2,1) = 3.
    // E_ij = row_i·col_j / 8; Σ w·E = [1·(3·3) + 4·(3·3) + 1·(2·2) + 1·(2·3) + 4·(3·2) + 1·(3·3)] / 8 = 88/8 = 11.
    // κ_w = 1 − 3/11 = 8/11 ≈ 0.72727.
    const pairs: [number, number][] = [
      [0, 0],
      [1, 1],
      [2, 2],
      [0, 1],
      [1, 2],
      [2, 2],
      [0, 0],
      [2, 1],
    ];
    expect(weightedKappa(pairs)).toBeCloseTo(8 / 11, 10);
    // The same by the matrix definition, as an independent check.
    const O = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (const [a, b] of pairs) O[a][b]++;
    const rows = O.map((r) => r.reduce((s, x) => s + x, 0));
    const cols = [0, 1, 2].map((j) => O.reduce((s, r) => s + r[j], 0));
    let num = 0;
    let den = 0;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        num += (i - j) ** 2 * O[i][j];
        den += ((i - j) ** 2 * rows[i] * cols[j]) / pairs.length;
      }
    expect(weightedKappa(pairs)).toBeCloseTo(1 - num / den, 12);
  });

  it('is 1 for perfect agreement and undefined without variance', () => {
    expect(
      weightedKappa([
        [0, 0],
        [2, 2],
        [1, 1],
      ]),
    ).toBe(1);
    expect(
      weightedKappa([
        [1, 1],
        [1, 1],
      ]),
    ).toBeNull();
  });
});

describe("Krippendorff's alpha", () => {
  // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the worked example:
  // 4 observers, 12 units, values 1..5, with missing data. Published results: nominal α = 0.743, interval α = 0.849.
  const A = [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null];
  const B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3];
  const C = [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null];
  const D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null];
  const units = A.map((_, u) => [A[u], B[u], C[u], D[u]]);

  it('reproduces the published interval and nominal values', () => {
    expect(krippendorffAlpha(units, 'interval')).toBeCloseTo(0.849, 3);
    expect(krippendorffAlpha(units, 'nominal')).toBeCloseTo(0.743, 3);
  });

  it('matches a two-coder interval example computed by hand', () => {
    // Same 8 pairs as the kappa example. n = 16 values. D_o = (1/16)·Σ_u 2(a−b)² = 2·3/16 = 0.375.
    // All values: Σv = 17, Σv² = 29, Σ_{i≠j}(vᵢ−vⱼ)² = 2·16·29 − 2·17² = 350, D_e = 350 / (16·15).
    // α = 1 − 0.375 / (350/240) = 1 − 9/35 = 26/35 ≈ 0.742857.
    const pairs: [number, number][] = [
      [0, 0],
      [1, 1],
      [2, 2],
      [0, 1],
      [1, 2],
      [2, 2],
      [0, 0],
      [2, 1],
    ];
    expect(krippendorffAlpha(pairs)).toBeCloseTo(26 / 35, 10);
    expect(pairStats(pairs)).toEqual({ n: 8, meanAbsDiff: 0.375, exactAgreement: 0.625, kappa: 0.7273, alpha: 0.7429 });
  });
});

describe('agreement between graders of a run', () => {
  const g = (
    grader: string,
    kind: GradeRecord['grader']['kind'],
    resp: string,
    unit: string,
    items: Record<string, number>,
  ): GradeRecord => ({
    responseId: resp,
    unitId: unit,
    grader: { kind, id: grader },
    status: 'graded',
    items: Object.fromEntries(Object.entries(items).map(([k, v]) => [k, { points: v }])),
    total: Object.values(items).reduce((a, b) => a + b, 0),
    maxPoints: 3,
    at: 't',
  });
  const units = new Map([
    ['1', { questionId: '1', items: ['1.1', '1.2'] }],
    ['2a', { questionId: '2', items: ['2a.1'] }],
    ['2b', { questionId: '2', items: ['2b.1'] }],
  ]);

  it('compares items where both scored them, and questions on fully graded units', () => {
    const grades = [
      g('ann', 'human', 'r1', '1', { '1.1': 1, '1.2': 2 }),
      g('ann', 'human', 'r2', '1', { '1.1': 0, '1.2': 2 }),
      g('ann', 'human', 'r1', '2a', { '2a.1': 1 }),
      g('ann', 'human', 'r1', '2b', { '2b.1': 1 }),
      g('judge:x', 'judge', 'r1', '1', { '1.1': 1, '1.2': 1 }),
      g('judge:x', 'judge', 'r2', '1', { '1.1': 0, '1.2': 2 }),
      g('judge:x', 'judge', 'r1', '2a', { '2a.1': 1 }),
      g('judge:x', 'judge', 'r1', '2b', { '2b.1': 0 }),
      g('auto', 'auto', 'r1', '1', { '1.2': 2 }),
      g('auto', 'auto', 'r2', '1', { '1.2': 2 }),
    ];
    const rep = agreement({ grades, units, questionOrder: ['1', '2'] });
    expect(rep.graders.map((x) => x.id)).toEqual(['ann', 'judge:x', 'auto']);
    expect(rep.pairs.map((p) => `${p.a}/${p.b}`)).toEqual(['ann/judge:x', 'ann/auto', 'judge:x/auto']);
    const hj = rep.pairs[0];
    expect(hj.items.find((i) => i.id === '1.2')).toMatchObject({ n: 2, meanAbsDiff: 0.5, exactAgreement: 0.5 });
    // Question 2 = 2a + 2b for r1: ann 2, judge 1.
    expect(hj.questions.find((q) => q.id === '2')).toMatchObject({ n: 1, meanAbsDiff: 1, exactAgreement: 0 });
    // Auto scores only 1.2, so versus auto there are item pairs but no question pairs.
    const ha = rep.pairs[1];
    expect(ha.items.map((i) => i.id)).toEqual(['1.2']);
    expect(ha.questions).toEqual([]);
  });

  it('uses only the latest grade of each grader', () => {
    const grades = [
      g('ann', 'human', 'r1', '2a', { '2a.1': 0 }),
      g('bob', 'human', 'r1', '2a', { '2a.1': 1 }),
      g('ann', 'human', 'r1', '2a', { '2a.1': 1 }),
    ];
    expect(agreement({ grades, units }).pairs[0].overall.items).toMatchObject({ n: 1, exactAgreement: 1 });
  });
});

describe('agreement with total-only grades', () => {
  it('compares imported question points (no items) with item-level grades per question', () => {
    const units = new Map([['1', { questionId: '1', items: ['1.1', '1.2'] }]]);
    const rec = (id: string, items: Record<string, number>, total: number): GradeRecord => ({
      responseId: 'r1',
      unitId: '1',
      grader: { kind: id === 'sheet' ? 'human' : 'judge', id },
      status: 'graded',
      items: Object.fromEntries(Object.entries(items).map(([k, v]) => [k, { points: v }])),
      total,
      maxPoints: 2,
      at: 't',
    });
    const rep = agreement({ grades: [rec('sheet', {}, 2), rec('judge:x', { '1.1': 1, '1.2': 0 }, 1)], units });
    expect(rep.pairs[0].items).toEqual([]);
    expect(rep.pairs[0].questions[0]).toMatchObject({ id: '1', n: 1, meanAbsDiff: 1 });
  });
});

describe('the checker against a human, on one scale', () => {
  const auto = (
    unitId: string,
    outcome: 'correct' | 'incorrect' | 'undetermined',
    extracted?: string,
  ): GradeRecord => ({
    responseId: 'm|1|0',
    unitId,
    grader: { kind: 'auto', id: 'auto' },
    status: outcome === 'undetermined' ? 'undetermined' : 'graded',
    verdict: { outcome, key: '6', rule: 'number', ...(extracted ? { extracted } : {}) },
    items: {},
    total: outcome === 'correct' ? 1 : 0,
    maxPoints: 3,
    at: 't',
  });
  const ann = (unitId: string, total: number): GradeRecord => ({
    responseId: 'm|1|0',
    unitId,
    grader: { kind: 'human', id: 'ann' },
    status: 'graded',
    items: {},
    total,
    maxPoints: 3,
    at: 't',
  });

  it('counts verdicts against full/partial/zero marks, takes kappa where both decide, and lists disagreements', () => {
    const grades = [
      auto('a', 'correct', '6'),
      ann('a', 3),
      auto('b', 'incorrect', '5'),
      ann('b', 0),
      auto('c', 'correct', '6'),
      ann('c', 0),
      auto('d', 'undetermined'),
      ann('d', 3),
      auto('e', 'incorrect', '7'),
      ann('e', 2),
      auto('f', 'incorrect', '2'),
      ann('f', 0),
    ];
    const [c] = checkerAgreement(grades);
    expect(c.human).toBe('ann');
    expect(c.matrix.correct).toEqual({ full: 1, partial: 0, zero: 1 });
    expect(c.matrix.incorrect).toEqual({ full: 0, partial: 1, zero: 2 });
    expect(c.matrix.undetermined).toEqual({ full: 1, partial: 0, zero: 0 });
    // Both decide on a, b, c, f: 3 of 4 agree. kappa from [[1, 1], [0, 2]]: po 0.75, pe 0.5.
    expect(c.decided).toBe(4);
    expect(c.agreement).toBe(0.75);
    expect(c.kappa).toBe(0.5);
    expect(c.undeterminedOnFull).toBe(0.5);
    // Partial marks fit either verdict, and undetermined is no verdict: only c disagrees.
    expect(c.disagreements.map((d) => `${d.unitId}:${d.checker}/${d.human}`)).toEqual(['c:correct/zero']);
    expect(c.disagreements[0]).toMatchObject({ extracted: '6', key: '6' });
  });
});

describe('agreement and adjudication', () => {
  it('leaves adjudicated grades out: they settle a disagreement, they are not an independent reading', () => {
    const g = (id: string, kind: GradeRecord['grader']['kind'], p: number): GradeRecord => ({
      responseId: 'm|1|0',
      unitId: '1',
      grader: { kind, id },
      status: 'graded',
      items: { '1.1': { points: p } },
      total: p,
      maxPoints: 1,
      at: '2026-12-01T00:00:00Z',
    });
    const report = agreement({
      grades: [g('ann', 'human', 1), g('ben', 'human', 0), g('carol', 'adjudicated', 1)],
      units: new Map([['1', { questionId: '1', items: ['1.1'] }]]),
    });
    expect(report.graders.map((x) => x.id)).toEqual(['ann', 'ben']);
    expect(report.pairs.map((p) => [p.a, p.b])).toEqual([['ann', 'ben']]);
  });
});
