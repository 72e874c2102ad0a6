import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { HeldoutError } from '../src/errors.js';
import { scoreRun } from '../src/grading/score-run.js';
import { exportGradingSheet, importGradingSheet } from '../src/grading/sheet.js';
import { readGrades } from '../src/store/grades.js';
import { CHOOSE_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { tempDir } from './helpers/cli.js';

const makeRun = () =>
  writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [
    { model: 'secret-model-a', questionId: '1', unitIds: ['1'], text: '=HYPERLINK("x") $3x = 18$, \\boxed{6}' },
    {
      model: 'secret-model-a',
      questionId: '2',
      unitIds: ['2a', '2b'],
      text: 'a) \\boxed{1/3}\nb) tried values: \\boxed{[-1,3]}',
    },
    { model: 'secret-model-b', questionId: '1', unitIds: ['1'], text: 'x = 5' },
    { model: 'secret-model-b', questionId: '3', unitIds: ['3'], error: 'HTTP 500' },
  ]);

type Row = Record<string, string>;
const readSheet = (file: string): Row[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Row[];
const writeSheet = (file: string, rows: Row[]) => writeFileSync(file, stringify(rows, { header: true }));

/** Fills a sheet: each item gets its max, except the ones in `except`; caps named in `caps` get "yes". */
function fill(rows: Row[], except: Record<string, string> = {}, caps: string[] = []): Row[] {
  return rows.map((r) => {
    const key = `${r.answer_id}/${r.item_id}`;
    if (r.row_type === 'cap') return { ...r, points: caps.includes(r.item_id) ? 'yes' : '' };
    return { ...r, points: except[key] ?? except[r.item_id] ?? r.max_points };
  });
}

describe('grading sheets', () => {
  it('exports one row per answer × rubric item (plus caps to decide), blind by default', () => {
    const dir = makeRun();
    const file = join(dir, 'sheet.csv');
    const n = exportGradingSheet(dir, file);
    const rows = readSheet(file);
    // Answers: m-a q1 (2 items), m-a 2a (2), m-a 2b (2 items + 1 cap to decide), m-b q1 (2). The failed one: none.
    expect(n).toEqual({ rows: 9, answers: 4 });
    expect(rows).toHaveLength(9);
    expect(Object.keys(rows[0])).not.toContain('model');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('secret-model');
    expect(rows.every((r) => r.points === '' && /^A-[0-9a-f]{10}$/.test(r.answer_id))).toBe(true);
    // Formula-looking answers are defused for spreadsheets.
    expect(rows.find((r) => r.unit_id === '1' && r.answer.includes('HYPERLINK'))!.answer.startsWith("'=")).toBe(true);
    expect(rows.filter((r) => r.row_type === 'cap').map((r) => r.item_id)).toEqual(['2b.cap']);
    // The question, official answer, notes and answer are on the first row of each answer's block only.
    const blocks = new Map<string, Row[]>();
    for (const r of rows)
      blocks.set(`${r.answer_id}/${r.unit_id}`, [...(blocks.get(`${r.answer_id}/${r.unit_id}`) ?? []), r]);
    expect(blocks.size).toBe(4);
    for (const block of blocks.values()) {
      expect(block[0].question).not.toBe('');
      expect(block[0].answer).not.toBe('');
      for (const r of block.slice(1))
        expect([r.question, r.reference, r.answer, r.marking_notes]).toEqual(['', '', '', '']);
    }
    expect(Object.keys(rows[0])).toEqual([
      'answer_id',
      'unit_id',
      'row_type',
      'item_id',
      'max_points',
      'points',
      'criterion',
      'comment',
      'question',
      'reference',
      'marking_notes',
      'answer',
      'run_id',
      'answer_hash',
    ]);
    // The binding columns are on every row: each is checked on import.
    for (const r of rows) expect([r.run_id !== '', /^sha256:/.test(r.answer_hash)]).toEqual([true, true]);
    // The paper's notes once, at the top.
    expect(rows[0].marking_notes).toMatch(/^For the whole paper: Follow-through applies\./);
    expect(text.split('Follow-through applies').length - 1).toBe(1);
  });

  it('round-trips: export, fill in, import → grades that score as filled', () => {
    const dir = makeRun();
    const file = join(dir, 'sheet.csv');
    exportGradingSheet(dir, file);
    const rows = readSheet(file);
    const bAnswer = rows.find((r) => r.answer.includes('x = 5'))!.answer_id;
    const filled = fill(rows, { [`${bAnswer}/1.2`]: '0', [`${bAnswer}/1.1`]: '0' }, ['2b.cap']);
    filled.find((r) => r.answer_id === bAnswer)!.comment = 'Guessed, no working.';
    writeSheet(file, filled);
    const res = importGradingSheet(dir, file, { grader: 'ann' });
    expect(res).toMatchObject({ rows: 9, grades: 4, written: 4 });
    const grades = readGrades(dir);
    expect(grades.every((g) => g.grader.kind === 'human' && g.grader.id === 'ann')).toBe(true);
    const g2b = grades.find((g) => g.unitId === '2b')!;
    // Both items full (2), but the grader said the cap applies: at most 1.
    expect(g2b).toMatchObject({ total: 1, caps: ['2b.cap'] });
    const score = scoreRun(dir);
    const a = score.models.find((m) => m.model === 'secret-model-a')!;
    expect(a.questions.find((q) => q.id === '1')).toMatchObject({ points: 2, grader: 'human' });
    expect(grades.find((g) => g.responseId === 'secret-model-b|1|0')).toMatchObject({
      comment: 'Guessed, no working.',
    });
    expect(a.questions.find((q) => q.id === '2')!.points).toBe(3);
    expect(score.models.find((m) => m.model === 'secret-model-b')!.points).toBe(0);
    // Importing the same sheet again adds nothing.
    expect(importGradingSheet(dir, file, { grader: 'ann' }).written).toBe(0);
  });

  it('reports every bad row by spreadsheet row and column, and imports nothing', () => {
    const dir = makeRun();
    const file = join(dir, 'sheet.csv');
    exportGradingSheet(dir, file);
    const rows = fill(readSheet(file));
    rows[0] = { ...rows[0], points: '5' }; // more than the item's max
    rows[2] = { ...rows[2], points: 'two' };
    rows[4] = { ...rows[4], item_id: 'nope' };
    writeSheet(file, rows);
    let message = '';
    try {
      importGradingSheet(dir, file, { grader: 'ann' });
    } catch (err) {
      message = (err as HeldoutError).format();
    }
    // Spreadsheet rows and columns (the header is row 1), not file lines: multi-line answer cells make those differ.
    expect(message).toMatch(/3 bad row\(s\), nothing imported/);
    expect(message).toMatch(/sheet\.csv: /);
    expect(message).toMatch(/row 2, column points \(F\): 5 for item \S+ must be between 0 and 1/);
    expect(message).toMatch(/row 4, column points \(F\): "two" for item .* is not a number/);
    expect(message).toMatch(/row 6, column item_id \(D\): "nope" is not a rubric item/);
    expect(readGrades(dir)).toEqual([]);
  });

  it('rejects a half-filled unit and a row for an answer that is not in the run', () => {
    const dir = makeRun();
    const file = join(dir, 'sheet.csv');
    exportGradingSheet(dir, file);
    const rows = fill(readSheet(file));
    rows[1] = { ...rows[1], points: '' };
    rows.push({ ...rows[0], answer_id: 'A-0000000000' });
    writeSheet(file, rows);
    expect(() => importGradingSheet(dir, file, { grader: 'ann' })).toThrow(
      /row 3, column points \(F\): answer \S+, unit \S+: no points for .*fill every item.*; row 11, column answer_id \(A\): "A-0000000000" is not an answer in this run/,
    );
    expect(readGrades(dir)).toEqual([]);
  });

  it('accepts plain response ids (sheets written by hand or by other tools)', () => {
    const dir = makeRun();
    const file = join(dir, 'hand.csv');
    writeSheet(file, [
      { answer_id: 'secret-model-b|1|0', unit_id: '1', item_id: '1.1', points: '1' },
      { answer_id: 'secret-model-b|1|0', unit_id: '1', item_id: '1.2', points: '0' },
    ]);
    expect(importGradingSheet(dir, file, { grader: 'bob' }).grades).toBe(1);
    expect(readGrades(dir)[0]).toMatchObject({ responseId: 'secret-model-b|1|0', total: 1 });
  });
});
