import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { gradeRunHuman, inquirerPrompts, terminalSafe } from '../src/grading/human.js';
import { readGrades } from '../src/store/grades.js';
import { CHOOSE_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { runCli, tempDir } from './helpers/cli.js';

const makeRun = () =>
  writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [
    { model: 'model-alpha', questionId: '1', unitIds: ['1'], text: '$3x = 18$ so \\boxed{6}\u001b[2J' },
    { model: 'model-beta', questionId: '1', unitIds: ['1'], text: 'x = 5' },
    { model: 'model-alpha', questionId: '2', unitIds: ['2a', '2b'], text: 'a) 1/3 b) [-1, 3]' },
    { model: 'model-beta', questionId: '3', unitIds: ['3'], error: 'HTTP 500' },
  ]);

const sink = () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  return { out, text: () => text };
};

describe('interactive human grading (scripted input)', () => {
  it('shows question, rubric and answer, validates points, saves each answer, blind', async () => {
    const dir = makeRun();
    const { out, text } = sink();
    // Four units: 1 (m-alpha), 1 (m-beta), 2a, 2b: 8 items and the 2b cap question, 9 prompts in a shuffled
    // order. "9" and "x" are rejected and asked again; "1" is valid for both kinds of prompt (points, yes/no).
    const script = ['9', 'x', ...Array(9).fill('1')].join('\n');
    const res = await gradeRunHuman(dir, {
      grader: 'ann',
      seed: 42,
      input: Readable.from([script]),
      output: out,
    });
    expect(res).toMatchObject({ done: 4, total: 4, stopped: false });
    const shown = text();
    expect(shown).toContain('Solve the equation $3x - 7 = 11$.');
    expect(shown).toContain('[1.2] 1 pt: x = 6.');
    expect(shown).toContain('enter a whole number from 0 to 1');
    expect(shown).not.toContain('model-alpha');
    expect(shown).not.toContain('\u001b[2J');
    const grades = readGrades(dir);
    expect(grades).toHaveLength(4);
    expect(grades.every((g) => g.grader.kind === 'human' && g.grader.id === 'ann')).toBe(true);
    const g2b = grades.find((g) => g.unitId === '2b')!;
    expect(g2b).toMatchObject({ total: 1, caps: ['2b.cap'] });
    // The seed is recorded for resuming.
    const session = JSON.parse(readFileSync(join(dir, 'human-session-ann.json'), 'utf8'));
    expect(session).toMatchObject({ grader: 'ann', seed: 42, blind: true });
  });

  it('stops at end of input with everything so far saved, and resumes in the same order', async () => {
    const first = makeRun();
    const second = makeRun();
    // Full session on one copy, to learn the order the seed gives.
    const ones = (n: number) => Readable.from([`${Array(n).fill('1').join('\n')}\n`]);
    const full = sink();
    await gradeRunHuman(first, { grader: 'ann', seed: 7, input: ones(9), output: full.out });
    const order = readGrades(first).map((g) => `${g.responseId}/${g.unitId}`);
    expect(order).toHaveLength(4);
    // The first answer has 2 prompts (3 for unit 2b, which has a cap to decide).
    const firstPrompts = order[0].endsWith('/2b') ? 3 : 2;

    // On the other copy: input ends after the first answer; then resume.
    const a = sink();
    const r1 = await gradeRunHuman(second, { grader: 'ann', seed: 7, input: ones(firstPrompts + 1), output: a.out });
    expect(r1).toMatchObject({ done: 1, total: 4, stopped: true });
    expect(readGrades(second)).toHaveLength(1);
    const b = sink();
    // A different --seed on resume is ignored: the recorded one keeps the order.
    const r2 = await gradeRunHuman(second, { grader: 'ann', seed: 999, input: ones(9), output: b.out });
    expect(r2).toMatchObject({ done: 4, before: 1, stopped: false });
    expect(b.text()).toContain('Resuming: 1 of 4 already marked by ann.');
    expect(readGrades(second).map((g) => `${g.responseId}/${g.unitId}`)).toEqual(order);
  });

  it('drives the @inquirer/prompts path through given streams', async () => {
    const input = new PassThrough();
    const { out, text } = sink();
    const prompts = await inquirerPrompts({ input, output: out });
    const answer = (line: string) =>
      new Promise<void>((res) => {
        const poll = setInterval(() => {
          if (text().includes('?')) {
            clearInterval(poll);
            input.write(`${line}\n`);
            res();
          }
        }, 10);
      });
    const p = prompts.points('[1.1] First step (0–1)', 1);
    await answer('1');
    expect(await p).toBe(1);
    const c = prompts.yesNo('Cap applies?');
    await answer('y');
    expect(await c).toBe(true);
  });

  it('shows notes, each question and each answer once; back, skip, flag and comment', async () => {
    const dir = makeRun();
    const { out, text } = sink();
    // Not blind: run order, so the queue is alpha Q1, beta Q1, alpha 2a, alpha 2b (beta's Q3 failed).
    const script = [
      ...['1', '1'], // alpha Q1
      'b', // at beta Q1: back to alpha Q1
      ...['f', 'c', 'looks copied', '1', '0'], // alpha Q1 again: flag, comment, points
      ...['0', '0'], // beta Q1
      's', // alpha 2a: skipped
      ...['1', '1', 'n'], // alpha 2b, cap not applied
    ].join('\n');
    const res = await gradeRunHuman(dir, { grader: 'ann', blind: false, input: Readable.from([script]), output: out });
    expect(res).toMatchObject({ done: 3, total: 4, skipped: 1, stopped: false });
    const shown = text();
    const count = (needle: string) => shown.split(needle).length - 1;
    expect(count('Follow-through applies.')).toBe(1);
    expect(count('Solve the equation $3x - 7 = 11$.')).toBe(1);
    expect(count('Answer both parts.')).toBe(1);
    // Alpha's answer to question 2 is graded on 2a and 2b, and shown once.
    expect(count('a) 1/3 b) [-1, 3]')).toBe(1);
    expect(shown).toContain('Grading question 1 again:');
    expect(shown).toContain('Skipped: it stays ungraded');
    const grades = readGrades(dir);
    expect(grades.map((g) => [g.responseId, g.unitId, g.total, g.comment, g.flagged])).toEqual([
      ['model-alpha|1|0', '1', 2, undefined, undefined],
      ['model-alpha|1|0', '1', 1, 'looks copied', true],
      ['model-beta|1|0', '1', 0, undefined, undefined],
      ['model-alpha|2|0', '2b', 2, undefined, undefined],
    ]);
    // The next session offers the skipped unit.
    const again = sink();
    const r2 = await gradeRunHuman(dir, { grader: 'ann', input: Readable.from(['1\n1\n']), output: again.out });
    expect(r2).toMatchObject({ done: 4, before: 3, stopped: false });
    expect(readGrades(dir).at(-1)).toMatchObject({ unitId: '2a', total: 2 });
  });

  it('keeps terminal escapes and bidi overrides out of the grader terminal', () => {
    expect(terminalSafe('a\u001b[31mred\u001b[0m \u202e801')).toBe('ared <U+202E>801');
  });

  it('works through the real CLI with piped stdin', () => {
    const dir = makeRun();
    const r = runCli(['grade', dir, '--human', '--grader', 'cli-grader', '--seed', '3'], {
      input: '1\n'.repeat(9),
    });
    expect(r.stderr).toContain('Blind grading');
    expect(r.stdout).toContain('4 of 4 answers graded by cli-grader');
    expect(r.code).toBe(0);
    expect(readGrades(dir)).toHaveLength(4);
    // Interrupted (end of input) → exit 130, with the answers so far saved.
    const dir2 = makeRun();
    const r2 = runCli(['grade', dir2, '--human', '--grader', 'x', '--no-blind'], { input: '1\n1\n' });
    expect(r2.code).toBe(130);
    // Not blind: run order, so the first answer is model-alpha's question 1 (two items), saved before the stop.
    expect(readGrades(dir2)).toMatchObject([{ responseId: 'model-alpha|1|0', unitId: '1', total: 2 }]);
    expect(r2.stderr).toContain('model model-alpha');
  });
});
