import { describe, expect, it } from 'vitest';
import { planRun } from '../src/run/invocation.js';

const runs = new Set(['runs/a']);
const base = { models: ['openai:m'], givenParams: [], isRunDir: (d: string) => runs.has(d) };

describe('planRun: what `heldout run` means', () => {
  it('a new run of an exam', () => {
    expect(planRun({ ...base, target: 'exams/x' })).toEqual({
      examDir: 'exams/x',
      out: undefined,
      resume: false,
      ignoredParams: [],
    });
  });

  it('a run directory as the argument resumes it only with --resume', () => {
    expect(() => planRun({ ...base, target: 'runs/a' })).toThrow(/runs\/a is a run, not an exam/);
    expect(planRun({ ...base, target: 'runs/a', resume: true, models: [] })).toMatchObject({
      examDir: undefined,
      out: 'runs/a',
      resume: true,
    });
  });

  it('--resume <dir> and a different --out are refused', () => {
    expect(() => planRun({ ...base, resume: 'runs/a', out: 'runs/b' })).toThrow(/name different runs/);
  });

  it('--resume --out of a run not started yet starts it; --retry-failed there is an error', () => {
    expect(planRun({ ...base, target: 'exams/x', out: 'runs/new', resume: true })).toMatchObject({ resume: false });
    expect(() => planRun({ ...base, target: 'exams/x', out: 'runs/new', resume: true, retryFailed: true })).toThrow(
      /not a run directory/,
    );
  });

  it('a resume names the parameters it ignores; a new run ignores none', () => {
    const givenParams = ['samples', 'concurrency', 'temperature'];
    expect(planRun({ ...base, resume: 'runs/a', givenParams }).ignoredParams).toEqual(['samples', 'temperature']);
    expect(planRun({ ...base, target: 'exams/x', givenParams }).ignoredParams).toEqual([]);
  });

  it('refuses a new run without a model, and --points-column without --grader', () => {
    expect(() => planRun({ ...base, target: 'exams/x', models: [] })).toThrow(/no model given/);
    expect(() => planRun({ ...base, target: 'exams/x', pointsColumn: 'Points' })).toThrow(/go together/);
  });
});
