import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gradeRunWithJudges } from '../src/grading/judge-run.js';
import { readGrades } from '../src/store/grades.js';
import { CHOOSE_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { runCliAsync, tempDir } from './helpers/cli.js';
import { type ModelServer, startModelServer } from './helpers/model-server.js';

const json = (items: Record<string, number>) =>
  JSON.stringify({ items: Object.entries(items).map(([id, points]) => ({ id, points, reason: 'r' })), caps: [] });

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

/** Question 1 answered by five candidates (one unit each), plus `extra` responses. */
function fiveAnswers(extra: { model: string; questionId: string; unitIds: string[]; text?: string }[] = []) {
  const dir = tempDir('heldout-judge-');
  const answers = ['a', 'b', 'c', 'd', 'e'].map((m) => ({
    model: m,
    questionId: '1',
    unitIds: ['1'],
    text: '3x = 18, x = 6',
  }));
  return { dir, run: writeRun(join(dir, 'run'), CHOOSE_EXAM, [...answers, ...extra]) };
}

const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: '' };
const cli = (args: string[], cwd?: string) =>
  runCliAsync(['grade', ...args, '--no-cache'], { cwd, env: { ...env, OPENAI_BASE_URL: server.openaiBaseUrl } });

// CLI processes on a shared machine can be slow: a generous limit (the assertions, not the time, are the test).
describe('judges under control', { timeout: 120_000 }, () => {
  it('stops at once when every call fails the same way (401), and exits 1: no unit could be graded', async () => {
    const { run } = fiveAnswers();
    server.defaultBehaviour = { kind: 'status', status: 401, body: { error: { message: 'Incorrect API key' } } };
    try {
      const r = await cli([run, '--judge', 'openai:judge-x', '--concurrency', '1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/judge openai:judge-x stopped: its first 3 calls all failed the same way \(auth 401/);
      // 5 units: 3 failed calls, the rest not made (one may have started as the third failed).
      expect(r.stderr).toMatch(/[12] call\(s\) not made/);
      expect(r.stderr).toContain('no unit could be graded');
      expect(server.count).toBeGreaterThanOrEqual(3);
      expect(server.count).toBeLessThanOrEqual(4);
    } finally {
      server.defaultBehaviour = { kind: 'ok' };
    }
  });

  it('--timeout and --max-retries bound a judge that never answers (and the fast stop ends it)', async () => {
    const { run } = fiveAnswers();
    server.defaultBehaviour = { kind: 'hang' };
    try {
      const t0 = Date.now();
      const r = await cli([
        run,
        '--judge',
        'openai:judge-x',
        '--concurrency',
        '1',
        '--timeout',
        '0.3',
        '--max-retries',
        '1',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/stopped: its first 3 calls all failed the same way \(timeout/);
      // 3 units × 2 attempts × 0.3 s, not 5 units × 5 attempts × 120 s (a request may still be in flight, or
      // arriving, when the CLI exits).
      expect(server.count).toBeLessThanOrEqual(7);
      expect(Date.now() - t0).toBeLessThan(60_000);
    } finally {
      server.defaultBehaviour = { kind: 'ok' };
    }
  });

  it('takes the timeout and retries from heldout.config.yaml (grade:, else run:)', async () => {
    const { dir, run } = fiveAnswers();
    writeFileSync(join(dir, 'heldout.config.yaml'), 'run:\n  timeout: 0.3\n  maxRetries: 0\n');
    server.defaultBehaviour = { kind: 'hang' };
    try {
      const r = await cli([run, '--judge', 'openai:judge-x', '--concurrency', '1'], dir);
      expect(r.code).toBe(1);
      // 0 retries: one attempt per unit until the stop.
      expect(r.stderr).toMatch(/its first 3 calls all failed the same way \(timeout/);
      expect(server.count).toBeLessThanOrEqual(4);
      writeFileSync(join(dir, 'heldout.config.yaml'), 'grade:\n  timeout: -1\n');
      const bad = await cli([run, '--judge', 'openai:judge-x'], dir);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/heldout\.config\.yaml:2:\d+: grade\.timeout must be a positive number/);
    } finally {
      server.defaultBehaviour = { kind: 'ok' };
    }
  });

  it('exits 4 (documented) when some units could be graded and some could not', async () => {
    // Candidate c's answer gets unusable judge output every time (its call and the retry).
    const odd = await startModelServer({
      script: (req) =>
        JSON.stringify(req.body).includes('ANSWER-OF-C')
          ? { kind: 'ok', text: 'I cannot mark this.' }
          : { kind: 'ok', text: json({ '1.1': 1, '1.2': 1 }) },
    });
    try {
      const { run } = fiveAnswers([{ model: 'c2', questionId: '1', unitIds: ['1'], text: 'ANSWER-OF-C' }]);
      const r = await runCliAsync(['grade', run, '--judge', 'openai:judge-x', '--no-cache'], {
        env: { ...env, OPENAI_BASE_URL: odd.openaiBaseUrl },
      });
      expect(r.stdout).toContain('judge: 5 graded, 1 ungraded');
      expect(r.code).toBe(4);
    } finally {
      await odd.close();
    }
  });

  it('sends no judge call for an empty or missing answer: it counts as unanswered, not 0', async () => {
    const { run } = fiveAnswers([
      { model: 'f', questionId: '1', unitIds: ['1'], text: '' },
      { model: 'g', questionId: '1', unitIds: ['1'], text: '  \n ' },
    ]);
    server.defaultBehaviour = { kind: 'ok', text: json({ '1.1': 1, '1.2': 1 }) };
    try {
      const r = await cli([run, '--judge', 'openai:judge-x']);
      expect(r.code, r.stderr).toBe(0);
      expect(server.count).toBe(5);
      expect(r.stdout).toContain('2 unanswered (empty answers, not sent to a judge)');
      expect(readGrades(run).map((g) => g.responseId)).not.toContain('f|1|0');
      const score = await runCliAsync(['score', run, '--json']);
      const models = JSON.parse(score.stdout).models as { model: string; ungraded: Record<string, number> }[];
      const [a, f] = ['a', 'f'].map((id) => models.find((m) => m.model === id)!.ungraded);
      expect(f).toMatchObject({ ungraded: 0, missing: 0, unanswered: a.unanswered + 1 });
    } finally {
      server.defaultBehaviour = { kind: 'ok' };
    }
  });

  it('rejects fractional points (ungraded, with the reason) unless the rubric allows halves', async () => {
    const { dir, run } = fiveAnswers();
    server.defaultBehaviour = { kind: 'ok', text: json({ '1.1': 0.5, '1.2': 1 }) };
    const open = { baseUrl: server.openaiBaseUrl, env: { OPENAI_API_KEY: 'k' }, noCache: true };
    try {
      const s = await gradeRunWithJudges(run, { judges: ['openai:judge-x'], openOptions: open });
      expect(s).toMatchObject({ graded: 0, ungraded: 5 });
      const g = readGrades(run)[0];
      expect(g.status).toBe('ungraded');
      expect(g.note).toContain('item "1.1": 0.5 points, but the rubric awards whole points only');
      // The same exam with a rubric that allows halves.
      const exam = join(dir, 'exam-halves');
      cpSync(CHOOSE_EXAM, exam, { recursive: true });
      const rubric = join(exam, 'rubric.yaml');
      writeFileSync(rubric, `halfPoints: true\n${readFileSync(rubric, 'utf8')}`);
      server.reset();
      const s2 = await gradeRunWithJudges(run, { judges: ['openai:judge-y'], openOptions: open, exam });
      expect(s2).toMatchObject({ graded: 5, ungraded: 0 });
      expect(readGrades(run).find((x) => x.grader.id === 'judge:openai:judge-y')?.total).toBe(1.5);
      expect(JSON.stringify(server.requests[0].body)).toContain('steps of 0.5');
    } finally {
      server.defaultBehaviour = { kind: 'ok' };
    }
  });
});
