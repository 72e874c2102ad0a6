import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { loadExam } from '../src/exam/load.js';
import { examQuestions, examUnits } from '../src/exam/model.js';
import { runCli, tempDir } from './helpers/cli.js';

const EXAM = 'exams/heldout-finals-2026-11';

/**
 * A sheet published with one row per grading unit (question or sub-part, in exam order) with the grader's points,
 * the common publication format `prompt, answer, Points`. It must map unit by unit, with nothing to guess.
 */
function unitSheet(order: (i: number) => number = (i) => i) {
  const exam = loadExam(EXAM).exam;
  const units = examUnits(exam);
  const stems = new Map(examQuestions(exam).map(({ question }) => [question.id, question.text]));
  // The grader gave full points, except nothing on one II/B question (the third, which then does not count).
  const dropped = examQuestions(exam)
    .filter(({ part }) => part.choose)
    .at(-1)!.question.id;
  const rows = units.map((u) => ({
    prompt: u.id === u.questionId ? u.text : `${stems.get(u.questionId)}\n\n${u.text}`,
    answer: u.questionId === dropped ? 'I could not solve this part.' : `Working it through, the result is ${u.id}.`,
    Points: u.questionId === dropped ? 0 : u.points,
  }));
  const sorted = rows.map((_, i) => rows[order(i)]);
  const published = rows.reduce((s, r) => s + r.Points, 0);
  return { csv: stringify(sorted, { header: true }), published, units: units.length };
}

describe('replay sheets with one row per grading unit', () => {
  it('map unit by unit on their own, and score the published total with no flag', () => {
    const dir = tempDir();
    const { csv, published, units } = unitSheet();
    writeFileSync(join(dir, 'sheet.csv'), csv);
    const out = join(dir, 'run');
    const run = runCli([
      'run',
      EXAM,
      '--model',
      `replay:${join(dir, 'sheet.csv')}`,
      '--points-column',
      'Points',
      '--grader',
      'board',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`${units} rows, one per grading unit in exam order`));
    expect(run.stderr).not.toMatch(/answers to question .* using the first/);
    const score = runCli(['score', out, '--json']);
    expect(score.code, score.stderr).toBe(0);
    const m = JSON.parse(score.stdout).models[0];
    expect(m.points).toBe(published);
    expect(m.coverage.complete).toBe(true);
    expect(m.ungraded).toMatchObject({ undetermined: 0, ungraded: 0, missing: 0 });
    const text = runCli(['score', out]);
    expect(text.stdout).not.toMatch(/partial|await review|no grade/i);
  });

  it('name the mapping they tried when the rows are out of order', () => {
    const dir = tempDir();
    // Swap two rows of different questions.
    const { csv } = unitSheet((i) => (i === 0 ? 5 : i === 5 ? 0 : i));
    writeFileSync(join(dir, 'sheet.csv'), csv);
    const run = runCli(['run', EXAM, '--model', `replay:${join(dir, 'sheet.csv')}`, '--out', join(dir, 'run')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not in exam order: row 2 should answer unit/);
    expect(run.stderr).toMatch(/--unit-column/);
  });

  it('map by a unit column when one is named', () => {
    const dir = tempDir();
    const exam = loadExam(EXAM).exam;
    const units = examUnits(exam).slice(0, 4);
    writeFileSync(
      join(dir, 'sheet.csv'),
      stringify(
        units.reverse().map((u) => ({ item: u.labels.join(''), prompt: u.text, answer: 'x' })),
        { header: true },
      ),
    );
    const run = runCli([
      'run',
      EXAM,
      '--model',
      `replay:${join(dir, 'sheet.csv')}`,
      '--unit-column',
      'item',
      '--out',
      join(dir, 'run'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/rows mapped to units by the column "item"/);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, stringify([{ item: '99z', prompt: 'p', answer: 'x' }], { header: true }));
    const fail = runCli(['run', EXAM, '--model', `replay:${bad}`, '--unit-column', 'item', '--out', join(dir, 'run2')]);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/row 2, column item: "99z" names no unit of the exam/);
  });
});
