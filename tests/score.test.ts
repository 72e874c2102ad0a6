import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradeRunAuto } from '../src/grading/auto.js';
import { bootstrapMeanCi, pickUnitGrade } from '../src/grading/score.js';
import { scoreRun } from '../src/grading/score-run.js';
import { gradesFile } from '../src/store/grades.js';
import type { GradeRecord } from '../src/store/records.js';
import { CHOOSE_EXAM, type ResponseSpec, writeRun } from './fixtures/grading/make-run.js';
import { tempDir } from './helpers/cli.js';

const answers = (model: string, sample = 0, q4 = '\\boxed{7}'): ResponseSpec[] => [
  { model, sample, questionId: '1', unitIds: ['1'], text: '$3x = 18$, $x = \\boxed{6}$' },
  { model, sample, questionId: '2', unitIds: ['2a', '2b'], text: 'a) \\boxed{\\frac13}\nb) \\boxed{[-1, 3]}' },
  { model, sample, questionId: '3', unitIds: ['3'], text: '\\boxed{5}' },
  { model, sample, questionId: '4', unitIds: ['4'], text: q4 },
  { model, sample, questionId: '5', unitIds: ['5'], text: '\\boxed{8}' },
  { model, sample, questionId: '6', unitIds: ['6'], error: 'HTTP 500' },
  { model, sample, questionId: '7', unitIds: ['7'], text: '\\boxed{6}' },
];

const human = (unitId: string, items: Record<string, number>, total: number, id = 'ann'): GradeRecord => ({
  responseId: `m|${unitId.replace(/[ab]$/, '')}|0`,
  unitId,
  grader: { kind: 'human', id },
  status: 'graded',
  items: Object.fromEntries(Object.entries(items).map(([k, v]) => [k, { points: v }])),
  total,
  maxPoints: 2,
  at: '2026-01-01T00:00:00Z',
});

describe('scoring', () => {
  it('adds units into questions, applies choose rules (best k, first k answered) and reports the exam total', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, answers('m'));
    gradeRunAuto(dir);
    const m = scoreRun(dir).models[0];
    const q = (id: string) => m.questions.find((x) => x.id === id)!;
    // q1: auto awards 1.2 (1 point). q2: 2a 1 point, 2b 0 (2b.2 requires the working 2b.1).
    expect(q('1')).toMatchObject({ points: 1, maxPoints: 2, grader: 'auto' });
    expect(q('2').points).toBe(1);
    // Part II, best two of three: q3 (2) and q5 (2) count, q4 (0) does not.
    expect(m.parts.find((p) => p.id === 'II')).toMatchObject({ points: 4, maxPoints: 6, counted: ['3', '5'] });
    expect(q('4').counted).toBe(false);
    // Part III, the first one answered: q6 failed, so q7 counts.
    expect(m.parts.find((p) => p.id === 'III')).toMatchObject({ points: 2, maxPoints: 2, counted: ['7'] });
    expect(m).toMatchObject({ model: 'm', points: 8, maxPoints: 14, percent: 57.143, samples: 1 });
    expect(m.ungraded.failedResponses).toBe(1);
    expect(m.ci95).toBeUndefined();
  });

  it('picks grades by precedence: human > judge > auto by default, configurable', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, answers('m'));
    gradeRunAuto(dir);
    appendFileSync(gradesFile(dir), `${JSON.stringify(human('1', { '1.1': 1, '1.2': 1 }, 2))}\n`);
    const byDefault = scoreRun(dir).models[0];
    expect(byDefault.questions.find((q) => q.id === '1')).toMatchObject({ points: 2, grader: 'human' });
    expect(byDefault.points).toBe(9);
    const autoFirst = scoreRun(dir, { precedence: ['auto', 'human'] }).models[0];
    expect(autoFirst.points).toBe(8);
    // Only auto: the human grade is ignored entirely.
    expect(scoreRun(dir, { precedence: ['judge'] }).models[0].points).toBe(0);
  });

  it('an adjudicated grade wins over the people it settles by default, and --precedence can leave it out', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, answers('m'));
    const ann = human('1', { '1.1': 1, '1.2': 1 }, 2);
    const ben = { ...human('1', { '1.1': 0, '1.2': 0 }, 0), grader: { kind: 'human' as const, id: 'ben' } };
    const carol: GradeRecord = {
      ...human('1', { '1.1': 1, '1.2': 0 }, 1),
      grader: { kind: 'adjudicated', id: 'carol' },
      comment: 'first step only',
      adjudicates: ['ann', 'ben'],
    };
    appendFileSync(gradesFile(dir), `${[ann, ben].map((g) => JSON.stringify(g)).join('\n')}\n`);
    // Two people: their mean.
    expect(scoreRun(dir).models[0].questions.find((q) => q.id === '1')).toMatchObject({ points: 1, grader: 'human' });
    appendFileSync(gradesFile(dir), `${JSON.stringify({ ...carol, total: 1 })}\n`);
    const q1 = scoreRun(dir).models[0].questions.find((q) => q.id === '1')!;
    expect(q1).toMatchObject({ points: 1, grader: 'adjudicated', graderIds: ['carol'] });
    expect(scoreRun(dir).precedence).toEqual(['adjudicated', 'human', 'judge', 'auto']);
    // Carol's 1 point stands even where the people's mean would be 2 (after Ben changes his mind).
    appendFileSync(
      gradesFile(dir),
      `${JSON.stringify({ ...ben, items: { '1.1': { points: 1 }, '1.2': { points: 1 } }, total: 2 })}\n`,
    );
    expect(scoreRun(dir).models[0].questions.find((q) => q.id === '1')!.points).toBe(1);
    const people = scoreRun(dir, { precedence: ['human', 'judge', 'auto'] }).models[0];
    expect(people.questions.find((q) => q.id === '1')).toMatchObject({ points: 2, grader: 'human' });
  });

  it('counts ungraded and never-graded units instead of hiding them as 0', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, answers('m').slice(0, 2));
    const ungradedJudge: GradeRecord = {
      ...human('1', {}, 0),
      grader: { kind: 'judge', id: 'judge:x' },
      status: 'ungraded',
      note: 'invalid output twice',
    };
    appendFileSync(gradesFile(dir), `${JSON.stringify(ungradedJudge)}\n`);
    const m = scoreRun(dir).models[0];
    expect(m.ungraded).toEqual({ ungraded: 1, undetermined: 0, missing: 2, failedResponses: 0, unanswered: 5 });
    expect(m.questions.find((q) => q.id === '1')).toMatchObject({ points: 0, grader: null, ungradedUnits: 1 });
  });

  it('averages samples and gives a seeded bootstrap interval', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [
      ...answers('m', 0),
      ...answers('m', 1, '\\boxed{6}'),
      ...answers('m', 2, '\\boxed{6}'),
    ]);
    gradeRunAuto(dir);
    const m = scoreRun(dir).models[0];
    // Sample 0: 8 points; samples 1 and 2 also get q4 right, but best-two-of-three still caps Part II at 4.
    expect(m.sampleTotals).toEqual([8, 8, 8]);
    expect(m.samples).toBe(3);
    expect(m.ci95).toEqual([8, 8]);
    expect(m.questions.find((q) => q.id === '4')!.points).toBeCloseTo(4 / 3, 3);
  });

  it('bootstrap interval brackets the mean and is reproducible', () => {
    const xs = [50, 55, 60, 65, 70];
    const a = bootstrapMeanCi(xs, 2000, 7);
    expect(a).toEqual(bootstrapMeanCi(xs, 2000, 7));
    expect(a[0]).toBeLessThan(60);
    expect(a[1]).toBeGreaterThan(60);
    expect(a[0]).toBeGreaterThanOrEqual(50);
  });

  it('averages several graders of the winning kind, and a combined judge record wins', () => {
    const base = human('1', {}, 0);
    const j = (id: string, total: number): GradeRecord => ({ ...base, grader: { kind: 'judge', id }, total });
    expect(pickUnitGrade([j('judge:a', 1), j('judge:b', 2)], ['judge']).points).toBe(1.5);
    expect(pickUnitGrade([j('judge:a', 1), j('judge:b', 2), j('judges:median:a+b', 2)], ['judge']).points).toBe(2);
  });
});

describe('undetermined units, coverage and final-answer accuracy', () => {
  const specs = (model: string, sample = 0): ResponseSpec[] => [
    { model, sample, questionId: '1', unitIds: ['1'], text: '$3x = 18$, $x = \\boxed{6}$' },
    { model, sample, questionId: '2', unitIds: ['2a', '2b'], text: 'a) \\boxed{\\frac13}\nb) \\boxed{[-1, 3]}' },
    // No final answer: undetermined, not wrong.
    { model, sample, questionId: '3', unitIds: ['3'], text: 'We could try several values but I am not sure.' },
    { model, sample, questionId: '4', unitIds: ['4'], text: '\\boxed{7}' },
    { model, sample, questionId: '5', unitIds: ['5'], text: '\\boxed{8}' },
    { model, sample, questionId: '7', unitIds: ['7'], text: '\\boxed{6}' },
  ];

  it('counts an undetermined unit apart, and the policy decides its points', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, specs('m'));
    gradeRunAuto(dir);
    const zero = scoreRun(dir).models[0];
    expect(zero.ungraded).toMatchObject({ undetermined: 1, ungraded: 0, missing: 0 });
    expect(scoreRun(dir).undetermined).toBe('zero');
    // Exclude: q3's points leave the maximum, so the percent is over what was decided.
    const excluded = scoreRun(dir, { undetermined: 'exclude' }).models[0];
    expect(excluded.points).toBe(zero.points);
    expect(excluded.coverage.excludedMax).toBe(zero.questions.find((q) => q.id === '3')!.maxPoints);
    expect(excluded.percent).toBeGreaterThan(zero.percent);
    expect(() => scoreRun(dir, { undetermined: 'fail' })).toThrow(/1 unit\(s\) are undetermined \(m: 1\)/);
  });

  it('says which marks the checker could award, and never passes a partial score for a full mark', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, specs('m'));
    gradeRunAuto(dir);
    const report = scoreRun(dir);
    // The checker awards only auto items: 1.2 of q1's 2 points, and so on.
    expect(report.rubric!.autoPoints).toBeLessThan(report.rubric!.rubricPoints);
    const m = report.models[0];
    expect(m.coverage.complete).toBe(false);
    expect(m.coverage.coveredMax).toBeLessThan(m.maxPoints);
    expect(m.points).toBeLessThanOrEqual(m.coverage.coveredMax);
  });

  it('reports final-answer accuracy per sample, by majority vote and pass@k', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [
      ...specs('m', 0),
      { model: 'm', sample: 1, questionId: '1', unitIds: ['1'], text: 'So $x = \\boxed{5}$' },
      { model: 'm', sample: 2, questionId: '1', unitIds: ['1'], text: 'So $x = \\boxed{6}$' },
    ]);
    gradeRunAuto(dir);
    const a = scoreRun(dir).models[0].accuracy!;
    expect(a.samples).toBe(3);
    expect(a.perSample.undetermined).toBeGreaterThanOrEqual(1);
    // Unit 1: 6, 5, 6 → the vote says 6 (correct); pass@3 is 1 for it.
    expect(a.majority.correct).toBeGreaterThan(0);
    expect(a.passAtK?.k).toBe(3);
  });
});
