import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RubricTarget } from '../src/exam/schema.js';
import { gradeAuto, gradeRunAuto } from '../src/grading/auto.js';
import { loadRunContext } from '../src/grading/context.js';
import { extractFinalAnswer, extractUnitAnswers } from '../src/grading/extract.js';
import { applyRubric } from '../src/grading/rubric-apply.js';
import { gradeHistory, latestGrades, readGrades } from '../src/store/grades.js';
import type { GradeRecord } from '../src/store/records.js';
import { CHOOSE_EXAM, TINY_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { tempDir } from './helpers/cli.js';

describe('final-answer extraction', () => {
  it('takes the last \\boxed{} with nested braces', () => {
    expect(extractFinalAnswer('first \\boxed{1} then $\\boxed{\\frac{1}{\\sqrt{2}}}$.')?.text).toBe(
      '\\frac{1}{\\sqrt{2}}',
    );
    expect(extractFinalAnswer('\\boxed{\\boxed{\\{2, 4\\}}}')?.text).toBe('\\{2, 4\\}');
  });

  // Sources were renamed when extraction was ordered by evidence (cue, boxed, conclusion, equation, whole), and
  // every reading now carries a confidence.
  it('falls back to an "answer:" line, then the last equation naming an unknown', () => {
    expect(extractFinalAnswer('We get 3x = 18.\n**Final answer:** x = 6.')).toMatchObject({
      text: 'x = 6',
      source: 'cue',
    });
    expect(extractFinalAnswer('So\n$$x = 6$$\nand we are done')).toMatchObject({ text: '6', source: 'conclusion' });
    expect(extractFinalAnswer('Solving,\n$$x = 6$$\n\nThis completes the solution.')).toMatchObject({
      text: 'x = 6',
      source: 'equation',
    });
    expect(extractFinalAnswer('I think it is six')).toBeUndefined();
  });

  it.each([
    ['The answer is 90.', '90'],
    ['So the final answer is $\\frac{8}{7}$.', '\\frac{8}{7}'],
    ['Therefore, the answer is **€90**. I hope it is correct.', '90'],
    ['**Answer:**\n\n$p = 90$', 'p = 90'],
    ['**Final answer:**\n$x = 4$\n', 'x = 4'],
    ['Hence the answer to part (c) is $6$ hours.', '6 hours'],
    ['The original price was €$90$, so\n**Answer:** €$90$', '90'],
  ])('reads an answer stated in prose or on the line after "Answer:": %j', (text, want) => {
    expect(extractFinalAnswer(text)).toMatchObject({ text: want, source: 'cue' });
  });

  it('cuts an answer with labelled sub-parts into sections', () => {
    const text = 'Let f(a) = 2.\n\na) $A = \\boxed{1}$\n\n(b) first \\boxed{9} then \\boxed{2}\n**c)** Answer: 3';
    const res = extractUnitAnswers(text, [
      { id: 'qa', path: ['a'] },
      { id: 'qb', path: ['b'] },
      { id: 'qc', path: ['c'] },
    ]);
    expect(res.get('qa')?.text).toBe('1');
    expect(res.get('qb')?.text).toBe('2');
    expect(res.get('qc')?.text).toBe('3');
  });

  it('handles sub-parts on one line and a missing sub-part', () => {
    const res = extractUnitAnswers('a) \\boxed{120} b) \\boxed{24.25} d) \\boxed{3.73}', [
      { id: 'a', path: ['a'] },
      { id: 'b', path: ['b'] },
      { id: 'c', path: ['c'] },
      { id: 'd', path: ['d'] },
    ]);
    expect([...res.values()].map((v) => v?.text)).toEqual(['120', '24.25', undefined, '3.73']);
  });

  it('finds a sub-part answer given only in a closing summary', () => {
    const units = [
      { id: 'a', path: ['a'] },
      { id: 'b', path: ['b'] },
    ];
    const summary = extractUnitAnswers(
      'a) The median is the mean of 5 and 6. b) The mode is 9.\n\n**Final answers:**\n- a) $\\boxed{5.5}$\n- b) $\\boxed{9}$',
      units,
    );
    expect([...summary.values()].map((v) => v?.text)).toEqual(['5.5', '9']);
    // A sub-part with no answer anywhere stays without one.
    const none = extractUnitAnswers('a) I am not sure.\nb) \\boxed{9}\n\nSummary: b) 9', units);
    expect(none.get('a')).toBeUndefined();
  });

  it('assigns boxes in order when the answer has no labels and one box per unit', () => {
    const res = extractUnitAnswers('\\boxed{5} and \\boxed{6}', [
      { id: 'a', path: ['a'] },
      { id: 'b', path: ['b'] },
    ]);
    expect(res.get('b')?.text).toBe('6');
  });
});

describe('rubric rules applied in code', () => {
  const target: RubricTarget = {
    items: [
      { id: 'a', points: 2, criterion: 'A' },
      { id: 'b', points: 1, criterion: 'B', requires: ['a'] },
      { id: 'c', points: 1, criterion: 'C', requires: ['b'] },
    ],
    caps: [
      { id: 'noWork', criterion: 'no working', max: 1, unless: ['a'] },
      { id: 'guess', criterion: 'guessed', max: 2 },
    ],
  };

  it('clamps points to each item', () => {
    const r = applyRubric(target, 4, { items: { a: { points: 7 }, b: { points: -1 }, c: { points: 1 } } });
    expect(r.items.a.points).toBe(2);
    expect(r.items.b.points).toBe(0);
    expect(r.notes.join(' ')).toMatch(/a: 7 clamped to 2/);
  });

  it('applies requires through chains', () => {
    const r = applyRubric(target, 4, { items: { a: { points: 0 }, b: { points: 1 }, c: { points: 1 } } });
    expect(r.items.b.points).toBe(0);
    expect(r.items.c.points).toBe(0);
    // 'noWork' applies because a was not earned, but the total (0) is under it anyway.
    expect(r.caps).toEqual(['noWork']);
    expect(r.total).toBe(0);
  });

  it('applies unless-caps automatically and other caps only when the grader names them', () => {
    const full = { a: { points: 2 }, b: { points: 1 }, c: { points: 1 } };
    expect(applyRubric(target, 4, { items: full }).total).toBe(4);
    expect(applyRubric(target, 4, { items: full, caps: ['guess'] }).total).toBe(2);
    // Naming an unless-cap does nothing: it is decided in code.
    expect(applyRubric(target, 4, { items: full, caps: ['noWork'] }).total).toBe(4);
  });

  it('never exceeds the unit points', () => {
    expect(applyRubric(target, 3, { items: { a: { points: 2 }, b: { points: 1 }, c: { points: 1 } } }).total).toBe(3);
  });
});

describe('automatic grading', () => {
  const run = () =>
    writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [
      { model: 'm', questionId: '1', unitIds: ['1'], text: '3x = 18, so $x = \\boxed{6}$' },
      { model: 'm', questionId: '2', unitIds: ['2a', '2b'], text: 'a) \\boxed{0.33}\n\nb) $\\boxed{[-1, 3]}$' },
      { model: 'm', questionId: '3', unitIds: ['3'], text: 'It is five.' },
      { model: 'm', questionId: '4', unitIds: ['4'], error: 'HTTP 500' },
      { model: 'm', questionId: '5', unitIds: ['5'], text: '2^3 = \\boxed{8}' },
    ]);

  it('awards exactly the auto items of a correct final answer', () => {
    const ctx = loadRunContext(run());
    const { grades, summary } = gradeAuto(ctx, { now: () => '2026-01-01T00:00:00Z' });
    const by = (u: string) => grades.find((g) => g.unitId === u)!;
    expect(by('1').items).toEqual({ '1.2': { points: 1, reason: 'final answer correct' } });
    expect(by('1').total).toBe(1);
    expect(by('1').maxPoints).toBe(2);
    // 0.33 is not 1/3.
    expect(by('2a').total).toBe(0);
    // Correct, but 2b.2 requires 2b.1 (the working), which auto cannot see.
    expect(by('2b').total).toBe(0);
    expect(by('2b').note).toMatch(/requires 2b.1/);
    expect(by('5').total).toBe(2);
    // No final answer: undetermined, never a silent 0. A failed response: not graded at all.
    expect(by('3').status).toBe('undetermined');
    expect(by('3').verdict).toMatchObject({ outcome: 'undetermined', reason: 'no final answer found' });
    expect(by('3').note).toMatch(/no final answer/);
    expect(grades.some((g) => g.unitId === '4')).toBe(false);
    expect(summary).toMatchObject({ graded: 5, correct: 3, incorrect: 1, undetermined: 1, failed: 1 });
    // Every verdict can be audited: what was read, where, the key and the rule.
    expect(by('2a').verdict).toMatchObject({
      outcome: 'incorrect',
      extracted: '0.33',
      source: 'boxed',
      rule: 'fraction',
    });
  });

  it('writes grades.jsonl, and a second run appends nothing', () => {
    const dir = run();
    expect(gradeRunAuto(dir).written).toBe(5);
    expect(gradeRunAuto(dir).written).toBe(0);
    const lines = readFileSync(join(dir, 'grades.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
  });

  it('grades the tiny exam from its rubric file', () => {
    const dir = writeRun(join(tempDir(), 'run'), TINY_EXAM, [
      { model: 'x', questionId: '3', unitIds: ['3'], text: '$A \\cap B = \\boxed{\\{6, 2, 4\\}}$' },
    ]);
    gradeRunAuto(dir);
    expect(readGrades(dir)[0]).toMatchObject({ unitId: '3', total: 2, status: 'graded' });
  });
});

describe('grade store', () => {
  const g = (grader: string, total: number, at: string): GradeRecord => ({
    responseId: 'm|1|0',
    unitId: '1',
    grader: { kind: 'human', id: grader },
    status: 'graded',
    items: { '1.1': { points: total } },
    total,
    maxPoints: 2,
    at,
  });

  it('keeps history; the newest grade by the same grader supersedes', () => {
    const records = [g('ann', 1, 't1'), g('bob', 2, 't2'), g('ann', 2, 't3')];
    const latest = latestGrades(records);
    expect(latest.map((r) => [r.grader.id, r.total])).toEqual([
      ['bob', 2],
      ['ann', 2],
    ]);
    expect(gradeHistory(records)[2]).toMatchObject({ grader: 'ann', total: 2, previous: 1 });
  });
});
