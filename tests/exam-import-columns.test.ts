import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { guessAnswer, importExamFile } from '../src/exam/import.js';
import { lintExam } from '../src/exam/lint.js';
import { loadExamDoc } from '../src/exam/load.js';
import { tempDir } from './helpers/cli.js';

const SHEET = [
  'Part,No,Question,Points,Answer',
  'I,1a,"Solve $2x + 3 = 11$.",2,4',
  'I,1b,What is the probability of heads?,1,1/2',
  'I,2,Which option is right?,2,(c)',
  'II,3,Solve $|x - 1| \\le 2$.,4,"[-1, 3]"',
  'II,4,Find the roots of $x^2 = 4$.,3,"{-2, 2}"',
  'II,5,Expand $(x+1)^2$.,3,x^2+2x+1',
].join('\n');

function importSheet(extra: Partial<Parameters<typeof importExamFile>[1]> = {}) {
  const dir = tempDir();
  writeFileSync(join(dir, 'q.csv'), `${SHEET}\n`);
  const out = join(dir, 'exam');
  importExamFile(join(dir, 'q.csv'), { field: 'Question', id: 'sheet', out, ...extra });
  return { out, text: readFileSync(join(out, 'exam.yaml'), 'utf8') };
}

describe('exam import keeps what the file has', () => {
  it('--points-column, --answer-column, --id-column and --part-column', () => {
    const { out, text } = importSheet({
      pointsColumn: 'Points',
      answerColumn: 'Answer',
      idColumn: 'No',
      partColumn: 'Part',
    });
    const exam = parse(text);
    expect(exam.points).toBe(15);
    expect(exam.parts.map((p: { id: string; points: number }) => [p.id, p.points])).toEqual([
      ['I', 5],
      ['II', 10],
    ]);
    expect(exam.parts[0].questions.map((q: { id: string }) => q.id)).toEqual(['1a', '1b', '2']);
    expect(exam.parts[1].questions.map((q: { answer: unknown }) => q.answer)).toEqual([
      { kind: 'interval', value: '[-1, 3]' },
      { kind: 'set', value: [-2, 2] },
      { kind: 'expression', value: 'x^2+2x+1' },
    ]);
    expect(exam.parts[0].questions[0]).toMatchObject({ points: 2, answer: { kind: 'number', value: 4 } });
    // Everything the sheet had is there: the only thing left for the author is the release date.
    const lint = lintExam(loadExamDoc(out));
    expect(lint.findings.map((f) => f.rule)).toEqual(['released']);
  });

  it('released is never set to today: it is left for the author, with a lint error that says why', () => {
    const { out, text } = importSheet();
    expect(text).toContain('released: TODO');
    expect(text).not.toContain(new Date().toISOString().slice(0, 10));
    const lint = lintExam(loadExamDoc(out));
    const released = lint.findings.find((f) => f.rule === 'released')!;
    expect(released).toMatchObject({ severity: 'error' });
    expect(released.where).toMatch(/exam\.yaml:\d+:\d+/);
    expect(released.message).toMatch(/`released` is not filled in: write the date the exam was first made public/);
    // The rest of the exam is still checked (points are 0 without --points-column).
    expect(lint.findings.filter((f) => f.rule === 'points-missing')).toHaveLength(6);
  });

  it('bad cells are named by line', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'q.csv'), 'Q,No,Pts\nOne?,1,2\nTwo?,1,3\n');
    expect(() =>
      importExamFile(join(dir, 'q.csv'), { field: 'Q', id: 'x', out: join(dir, 'a'), idColumn: 'No' }),
    ).toThrow(/question id "1" is used twice \(first on line 2\)/);
    writeFileSync(join(dir, 'r.csv'), 'Q,Pts\nOne?,two\n');
    expect(() =>
      importExamFile(join(dir, 'r.csv'), { field: 'Q', id: 'x', out: join(dir, 'b'), pointsColumn: 'Pts' }),
    ).toThrow(/points "two" in "Pts" is not a whole number of points/);
    expect(() =>
      importExamFile(join(dir, 'r.csv'), { field: 'Q', id: 'x', out: join(dir, 'c'), answerColumn: 'Solution' }),
    ).toThrow(/Solution/);
  });

  it('guesses answer kinds from their shape', () => {
    expect(guessAnswer('12,5')).toEqual({ kind: 'number', value: 12.5 });
    expect(guessAnswer('3 / 8')).toEqual({ kind: 'fraction', value: '3/8' });
    expect(guessAnswer('D')).toEqual({ kind: 'choice', value: 'D' });
    expect(guessAnswer('(2, -3)')).toEqual({ kind: 'tuple', value: [2, -3] });
    expect(guessAnswer('(-1, 4]')).toEqual({ kind: 'interval', value: '(-1, 4]' });
    expect(guessAnswer('isosceles')).toEqual({ kind: 'text', value: 'isosceles' });
  });
});
