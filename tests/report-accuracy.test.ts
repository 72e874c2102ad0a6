import { describe, expect, it } from 'vitest';
import { loadExam, loadRubric } from '../src/exam/load.js';
import { examUnits } from '../src/exam/model.js';
import { finalAnswerAccuracy, passAtK } from '../src/grading/accuracy.js';
import { rubricCoverage } from '../src/grading/coverage.js';
import { bootstrapTotalCi, MIN_POINTS, pairedPermutationTest } from '../src/grading/paired.js';
import type { GradeRecord, ResponseRecord, Verdict } from '../src/store/records.js';
import { ROOT } from './helpers/cli.js';

const resp = (model: string, q: string, sample: number, text: string | undefined, units = [q]): ResponseRecord => ({
  id: `${model}|${q}|${sample}`,
  model,
  questionId: q,
  unitIds: units,
  sample,
  ...(text === undefined ? { error: { kind: 'http', message: '500' } } : { text }),
});

const auto = (r: ResponseRecord, unitId: string, outcome: Verdict['outcome'], extracted?: string): GradeRecord => ({
  responseId: r.id,
  unitId,
  grader: { kind: 'auto', id: 'auto' },
  status: outcome === 'undetermined' ? 'undetermined' : 'graded',
  verdict: { outcome, extracted },
  items: outcome === 'undetermined' ? {} : { [`${unitId}.x`]: { points: outcome === 'correct' ? 1 : 0 } },
  total: outcome === 'correct' ? 1 : 0,
  maxPoints: 2,
  at: '2026-01-01T00:00:00Z',
});

describe('final-answer accuracy', () => {
  it('counts per sample, by majority of extracted answers, pass@k, and keeps undetermined apart', () => {
    const rs = [0, 1, 2].flatMap((s) => [resp('m', '1', s, 'x'), resp('m', '3', s, 'y')]);
    const grades = [
      // Unit 1: two samples say 6 (correct), one says 7.
      auto(rs[0], '1', 'correct', '6'),
      auto(rs[2], '1', 'incorrect', '7'),
      auto(rs[4], '1', 'correct', ' 6'),
      // Unit 3: wrong twice with the same answer, once undetermined.
      auto(rs[1], '3', 'incorrect', '4'),
      auto(rs[3], '3', 'undetermined'),
      auto(rs[5], '3', 'incorrect', '4'),
    ];
    const [a] = finalAnswerAccuracy(rs, grades);
    expect(a).toMatchObject({ model: 'm', units: 2, samples: 3 });
    expect(a.perSample).toMatchObject({ correct: 2, incorrect: 3, undetermined: 1, notGraded: 0, total: 6 });
    expect(a.perSample.accuracy).toBeCloseTo(2 / 6);
    expect(a.perSample.upper).toBeCloseTo(3 / 6);
    expect(a.majority).toMatchObject({ correct: 1, incorrect: 1, total: 2, accuracy: 0.5 });
    // pass@3: unit 1 has a correct sample, unit 3 none (but could, if its undetermined one was right).
    expect(a.passAtK).toEqual({ k: 3, value: 0.5, upper: 1 });
  });

  it('counts a failed response against accuracy without calling it undetermined', () => {
    const rs = [resp('m', '1', 0, 'x'), resp('n', '1', 0, undefined)];
    const [m, n] = finalAnswerAccuracy(rs, [auto(rs[0], '1', 'correct', '6')]);
    expect(m.perSample.accuracy).toBe(1);
    expect(n.perSample).toMatchObject({ correct: 0, notGraded: 1, total: 1, accuracy: 0 });
    expect(n.passAtK).toBeUndefined();
  });

  it('reads older auto grades without a verdict ("no final answer" is undetermined)', () => {
    const r = resp('m', '1', 0, 'x');
    const old: GradeRecord = { ...auto(r, '1', 'incorrect'), verdict: undefined, note: 'no final answer found' };
    expect(finalAnswerAccuracy([r], [old])[0].perSample.undetermined).toBe(1);
  });

  it('pass@k matches the closed form', () => {
    expect(passAtK(5, 0, 1)).toBe(0);
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4);
    expect(passAtK(5, 2, 2)).toBeCloseTo(1 - 3 / 10);
    expect(passAtK(3, 1, 3)).toBe(1);
  });
});

describe('rubric coverage per grader kind', () => {
  it('says how many rubric points each kind scored, whose points made the score, and each unit state', () => {
    const loaded = loadExam(`${ROOT}/exams/tiny`);
    const { rubric } = loadRubric(loaded);
    const units = examUnits(loaded.exam);
    const r1 = resp('m', '1', 0, 'x = 6');
    const r3 = resp('m', '3', 0, 'hmm');
    const r2 = resp('m', '2', 0, undefined, ['2a', '2b']);
    const autoItems = rubric.marking['1'].items.filter((i) => i.auto);
    const grades: GradeRecord[] = [
      {
        ...auto(r1, '1', 'correct', '6'),
        items: Object.fromEntries(autoItems.map((i) => [i.id, { points: i.points }])),
        total: autoItems.reduce((s, i) => s + i.points, 0),
      },
      {
        responseId: r1.id,
        unitId: '1',
        grader: { kind: 'human', id: 'ann' },
        status: 'graded',
        items: Object.fromEntries(rubric.marking['1'].items.map((i) => [i.id, { points: 0 }])),
        total: 0,
        maxPoints: 2,
        at: '2026-01-01T00:00:00Z',
      },
      auto(r3, '3', 'undetermined'),
    ];
    const [c] = rubricCoverage(units, rubric.marking, [r1, r2, r3], grades);
    expect(c.rubricPoints).toBe(10);
    const kind = (k: string) => c.kinds.find((x) => x.kind === k);
    // The human's 0 outranks auto's points; auto still covered its items.
    expect(kind('human')).toEqual({ kind: 'human', points: 0, covered: 2 });
    expect(kind('auto')).toEqual({ kind: 'auto', points: 0, covered: autoItems.reduce((s, i) => s + i.points, 0) });
    expect(c.states).toMatchObject({ graded: 1, undetermined: 1, failed: 2, missing: 0 });
  });
});

/** Every sign pattern, for checking the fast exact test. */
function bruteForceP(d: number[]): number {
  const obs = Math.abs(d.reduce((s, x) => s + x, 0)) - 1e-9;
  let hits = 0;
  for (let mask = 0; mask < 1 << d.length; mask++) {
    const s = d.reduce((acc, x, i) => acc + (mask & (1 << i) ? -x : x), 0);
    if (Math.abs(s) >= obs) hits++;
  }
  return hits / (1 << d.length);
}

describe('uncertainty over questions', () => {
  it('draws no interval and no test below the minimum number of questions', () => {
    const few = Array.from({ length: MIN_POINTS - 1 }, () => 1);
    expect(bootstrapTotalCi(few)).toBeUndefined();
    expect(pairedPermutationTest(few, few)).toBeUndefined();
  });

  it('bootstrap interval brackets the total and is reproducible', () => {
    const v = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ci = bootstrapTotalCi(v, { seed: 3 })!;
    expect(ci[0]).toBeLessThan(45);
    expect(ci[1]).toBeGreaterThan(45);
    expect(bootstrapTotalCi(v, { seed: 3 })).toEqual(ci);
  });

  it('the paired test is exact for few differing questions and separates a real gap from noise', () => {
    const a = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
    const b = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const clear = pairedPermutationTest(a, b)!;
    // All 10 differences have one sign: only the two all-same patterns are as extreme.
    expect(clear).toMatchObject({ diff: 20, n: 10, differing: 10, exact: true });
    expect(clear.p).toBeCloseTo(2 / 1024);
    const noise = pairedPermutationTest([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1, 0, 1, 0, 0])!;
    expect(noise.diff).toBe(1);
    expect(noise.p).toBeGreaterThan(0.5);
    expect(pairedPermutationTest(a, a)!.p).toBe(1);
    // 40 differing questions: still exact (2 of 2^40 patterns), by the sums' distribution.
    const many = pairedPermutationTest(
      Array.from({ length: 40 }, () => 1),
      Array.from({ length: 40 }, () => 0),
    )!;
    expect(many.exact).toBe(true);
    expect(many.p).toBeCloseTo(2 / 2 ** 40, 15);
    // Half points and thirds (means over 3 samples) are exact too; irrational differences fall back to Monte Carlo.
    const thirds = pairedPermutationTest([1 / 3, 2 / 3, 0.5, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 2])!;
    expect(thirds.exact).toBe(true);
    // By hand: the sum is 7/6 of Σ|d| = 43/6; the patterns at least as extreme are found by brute force below.
    expect(thirds.p).toBeCloseTo(bruteForceP([1 / 3, 2 / 3, 0.5, 1, 1, 1, 1, -1]), 12);
    const odd = pairedPermutationTest(
      Array.from({ length: 10 }, (_, i) => Math.SQRT2 * (i % 3)),
      Array.from({ length: 10 }, () => 0),
    )!;
    expect(odd.exact).toBe(false);
    expect(Math.abs(odd.p - bruteForceP(Array.from({ length: 10 }, (_, i) => Math.SQRT2 * (i % 3))))).toBeLessThan(
      0.01,
    );
  });
});
