import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOMBS } from '../bench/bombs.js';
import { answersEqual } from '../src/grading/equivalence.js';
import { readJsonl } from '../src/io/jsonl.js';
import { gradeRecordSchema } from '../src/store/records.js';
import { TINY_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { runCli, tempDir } from './helpers/cli.js';

// CLI processes on a shared machine can be slow: a generous limit (the assertions, not the time, are the test).
describe('answer budget: number and expression bombs', { timeout: 120_000 }, () => {
  it.each(BOMBS.map((b) => [b.name, b] as const))('%s', (_name, bomb) => {
    const cmp = answersEqual(bomb.answer, bomb.key);
    expect(cmp.equal).toBe(false);
    if (bomb.undetermined) {
      expect(cmp).toMatchObject({ undetermined: true });
      expect(cmp.detail).toMatch(bomb.reason!);
    } else {
      expect(cmp.undetermined).toBeUndefined();
    }
  });

  it('ordinary answers are still decided exactly: factorials and powers inside the budget', () => {
    expect(answersEqual('3000!/2999!', { kind: 'number', value: 3000 })).toEqual({ equal: true });
    expect(answersEqual('2^{64}', { kind: 'number', value: '18446744073709551616' })).toEqual({ equal: true });
    expect(answersEqual('\\frac{1}{2006!}', { kind: 'number', value: '1/2004!' }).equal).toBe(false);
    expect(answersEqual('1/0', six).undetermined).toBeUndefined();
  });

  it('grade --auto marks a bomb undetermined with the reason and grades the rest of the pass', () => {
    const dir = writeRun(join(tempDir(), 'bombs'), TINY_EXAM, [
      { model: 'm', questionId: '1', unitIds: ['1'], text: 'So the answer is \\boxed{(10^{9})!}.' },
      {
        model: 'm',
        questionId: '2',
        unitIds: ['2a', '2b'],
        text: 'a) \\boxed{\\frac{1}{3}} b) \\boxed{[-1, 10000000!]}',
      },
      { model: 'n', questionId: '1', unitIds: ['1'], text: 'x = 6, so \\boxed{6}.' },
    ]);
    const r = runCli(['grade', dir, '--auto']);
    expect(r.code, r.stderr).toBe(0);
    const grades = readJsonl(join(dir, 'grades.jsonl'), gradeRecordSchema).records;
    const of = (id: string, unit: string) => grades.find((g) => g.responseId === id && g.unitId === unit)!;
    expect(of('m|1|0', '1')).toMatchObject({ status: 'undetermined', total: 0 });
    expect(of('m|1|0', '1').note).toMatch(/undetermined: a factorial of 1000000000/);
    expect(of('m|2|0', '2b')).toMatchObject({ status: 'undetermined' });
    expect(of('m|2|0', '2a')).toMatchObject({ status: 'graded' });
    expect(of('n|1|0', '1')).toMatchObject({ status: 'graded' });
    expect(of('n|1|0', '1').total).toBeGreaterThan(0);
  });
});

const six = { kind: 'number' as const, value: 6 };
