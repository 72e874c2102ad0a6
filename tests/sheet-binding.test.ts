import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { HeldoutError } from '../src/errors.js';
import { gradeRunAuto } from '../src/grading/auto.js';
import { answerHash } from '../src/grading/run-binding.js';
import { exportGradingSheet, importGradingSheet } from '../src/grading/sheet.js';
import { readGrades } from '../src/store/grades.js';
import { CHOOSE_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { runCli, tempDir } from './helpers/cli.js';

type Row = Record<string, string>;
const readSheet = (file: string): Row[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Row[];
const writeSheet = (file: string, rows: Row[], delimiter = ',') =>
  writeFileSync(file, stringify(rows, { header: true, delimiter }));
const fillMax = (rows: Row[]): Row[] => rows.map((r) => ({ ...r, points: r.max_points }));

/** A run of one model spec; a second run of the same spec has the same answer ids (`m|1|0`). */
function run(name: string, answer: string, startedAt: string) {
  return writeRun(join(tempDir(), name), CHOOSE_EXAM, [{ model: 'm', questionId: '1', unitIds: ['1'], text: answer }], {
    id: 'nightly',
    startedAt,
  });
}

const importError = (fn: () => unknown): HeldoutError => {
  try {
    fn();
  } catch (err) {
    return err as HeldoutError;
  }
  throw new Error('no error');
};

// CLI processes on a shared machine can be slow: a generous limit (the assertions, not the time, are the test).
describe('grades bound to the run and the answer', { timeout: 120_000 }, () => {
  it('a non-blind sheet from another run of the same model is refused, naming the rows', () => {
    const a = run('a', '3x = 18, so \\boxed{6}', '2026-12-01T00:00:00Z');
    const b = run('b', 'x = 5', '2026-12-02T00:00:00Z');
    const file = join(a, 'sheet.csv');
    exportGradingSheet(a, file, { blind: false });
    const rows = fillMax(readSheet(file));
    expect(rows.every((r) => r.run_id === 'nightly@2026-12-01T00:00:00Z')).toBe(true);
    expect(rows[0].answer_hash).toBe(answerHash('3x = 18, so \\boxed{6}'));
    writeSheet(file, rows);
    const err = importError(() => importGradingSheet(b, file, { grader: 'ann' }));
    expect(err.message).toMatch(
      /^2 bad row\(s\), nothing imported: row 2, column run_id \([A-Z]+\): answer m\|1\|0 is from run "nightly@2026-12-01/,
    );
    expect(err.message).toContain('row 3, column run_id');
    expect(err.hint).toMatch(/exported from another run/);
    expect(readGrades(b)).toEqual([]);
    // Into its own run it imports, and the grades carry the binding.
    expect(importGradingSheet(a, file, { grader: 'ann' }).written).toBe(1);
    expect(readGrades(a)[0]).toMatchObject({
      runId: 'nightly@2026-12-01T00:00:00Z',
      answerHash: answerHash('3x = 18, so \\boxed{6}'),
    });
  });

  it('a sheet whose answer text changed since the export is refused', () => {
    const a = run('a', '3x = 18, so \\boxed{6}', '2026-12-01T00:00:00Z');
    const file = join(a, 'sheet.csv');
    exportGradingSheet(a, file);
    writeSheet(file, fillMax(readSheet(file)));
    const responses = join(a, 'responses.jsonl');
    writeFileSync(responses, readFileSync(responses, 'utf8').replace('boxed{6}', 'boxed{7}'));
    const err = importError(() => importGradingSheet(a, file, { grader: 'ann' }));
    expect(err.message).toMatch(
      /row 2, column answer_hash \([A-Z]+\): the text of answer A-[0-9a-f]+ changed since the sheet was exported/,
    );
  });

  it('every grader writes the binding: auto grades carry the run id and the answer hash', () => {
    const a = run('a', '3x = 18, so \\boxed{6}', '2026-12-01T00:00:00Z');
    gradeRunAuto(a);
    expect(readGrades(a)[0]).toMatchObject({ runId: 'nightly@2026-12-01T00:00:00Z', answerHash: expect.any(String) });
    // Grading again writes nothing new.
    expect(gradeRunAuto(a).written).toBe(0);
  });

  it('reads a semicolon-separated sheet (a spreadsheet in a decimal-comma locale)', () => {
    const a = run('a', '3x = 18, so \\boxed{6}', '2026-12-01T00:00:00Z');
    const file = join(a, 'sheet.csv');
    exportGradingSheet(a, file);
    writeSheet(file, fillMax(readSheet(file)), ';');
    expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('answer_id;unit_id');
    expect(importGradingSheet(a, file, { grader: 'ann' })).toMatchObject({ grades: 1, written: 1 });
  });

  it('refuses points written as hex, exponent or Infinity (0x1 was read as 1)', () => {
    const a = run('a', '3x = 18, so \\boxed{6}', '2026-12-01T00:00:00Z');
    const file = join(a, 'sheet.csv');
    exportGradingSheet(a, file);
    const rows = fillMax(readSheet(file));
    for (const bad of ['0x1', '1e0', 'Infinity', '0b1']) {
      writeSheet(
        file,
        rows.map((r, i) => (i === 0 ? { ...r, points: bad } : r)),
      );
      expect(importError(() => importGradingSheet(a, file, { grader: 'ann' })).message).toContain(
        `column points (F): "${bad}" for item 1.1 is not a number`,
      );
    }
  });

  it('the same sheet under another file name adds no history lines', () => {
    const a = run('a', '3x = 18, so \\boxed{6}', '2026-12-01T00:00:00Z');
    const file = join(a, 'sheet.csv');
    exportGradingSheet(a, file);
    writeSheet(file, fillMax(readSheet(file)));
    expect(importGradingSheet(a, file, { grader: 'ann' }).written).toBe(1);
    const copy = join(a, 'sheet (1).csv');
    copyFileSync(file, copy);
    expect(importGradingSheet(a, copy, { grader: 'ann' }).written).toBe(0);
    const history = runCli(['grades', 'history', a, '--json']);
    expect(JSON.parse(history.stdout)).toHaveLength(1);
  });
});
