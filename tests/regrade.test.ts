import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gradeRunAuto } from '../src/grading/auto.js';
import { loadRunContext } from '../src/grading/context.js';
import { appendGrades } from '../src/grading/grade-writer.js';
import { humanQueue } from '../src/grading/human.js';
import { gradeRunWithJudges } from '../src/grading/judge-run.js';
import { regradeRun, regradeText } from '../src/grading/regrade.js';
import { scoreRun } from '../src/grading/score-run.js';
import { runExam } from '../src/run/runner.js';
import { latestGrades, readGrades } from '../src/store/grades.js';
import type { GradeRecord } from '../src/store/records.js';
import { CHOOSE_EXAM, TINY_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { runCliAsync, tempDir } from './helpers/cli.js';
import { type ModelServer, promptOf, type RecordedRequest, startModelServer } from './helpers/model-server.js';

/** A judge that awards every item in full, or (after `strict = true`) nothing on part (b). */
let strict = false;
const judgeReply = (req: RecordedRequest) => {
  const prompt = promptOf(req);
  const ids = [...prompt.matchAll(/- item "([^"]+)", 0 to (\d+) points/g)].map((m) => [m[1], Number(m[2])] as const);
  const partB = prompt.includes('Mark only part (b)');
  return JSON.stringify({
    items: ids.map(([id, max]) => ({ id, points: strict && partB ? 0 : max, reason: `judged ${id}` })),
    caps: [],
  });
};

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer({ script: (req) => ({ kind: 'ok', text: judgeReply(req) }) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  strict = false;
});

const openOptions = () => ({
  baseUrl: server.openaiBaseUrl,
  env: { OPENAI_API_KEY: 'sk-test' },
  noCache: true,
  retry: { baseDelayMs: 1, maxDelayMs: 5 },
});

/** A copy of the grading fixture (exam + rubric side by side) that the test may edit. */
function examCopy(): string {
  const dir = join(tempDir(), 'exam');
  cpSync(CHOOSE_EXAM, dir, { recursive: true });
  return dir;
}

const ANSWERS = [
  { questionId: '1', unitIds: ['1'], text: '3x = 18, so \\boxed{6}' },
  { questionId: '2', unitIds: ['2a', '2b'], text: 'a) \\boxed{\\frac13}\n\nb) -2 <= x-1 <= 2 so \\boxed{[-1, 3]}' },
  { questionId: '3', unitIds: ['3'], text: '2 + 3 = \\boxed{5}' },
];

async function gradedRun(exam: string) {
  const dir = writeRun(
    join(tempDir(), 'run'),
    exam,
    ['m1', 'm2'].flatMap((model) => ANSWERS.map((a) => ({ model, ...a }))),
  );
  gradeRunAuto(dir);
  await gradeRunWithJudges(dir, { judges: ['openai:judge-a'], openOptions: openOptions() });
  // A person graded question 1 and part 2b of m1.
  const ctx = loadRunContext(dir);
  const human = (unitId: string, total: number, items: Record<string, number>): GradeRecord => ({
    responseId: ctx.responses.find((r) => r.model === 'm1' && r.unitIds.includes(unitId))!.id,
    unitId,
    grader: { kind: 'human', id: 'ann' },
    status: 'graded',
    items: Object.fromEntries(Object.entries(items).map(([k, v]) => [k, { points: v }])),
    total,
    maxPoints: 2,
    at: new Date().toISOString(),
  });
  appendGrades(dir, [human('1', 2, { '1.1': 1, '1.2': 1 }), human('2b', 2, { '2b.1': 1, '2b.2': 1 })]);
  server.reset();
  return dir;
}

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
};

describe('versions', () => {
  it('every grade records the exam, rubric and unit versions it was made under', async () => {
    const exam = examCopy();
    const dir = await gradedRun(exam);
    const grades = readGrades(dir);
    expect(grades.length).toBeGreaterThan(0);
    for (const g of grades) {
      expect(g.version).toMatchObject({ exam: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(g.version?.unit).toMatchObject({ question: expect.any(String), key: expect.any(String) });
    }
    const byUnit = (u: string) => grades.find((g) => g.unitId === u)!.version!.unit;
    expect(byUnit('2a').question).not.toBe(byUnit('2b').question);
    expect(scoreRun(dir).models.map((m) => m.points)).toEqual([9, 9]);
  });
});

describe('runs record versions', () => {
  it('the manifest and each response record the versions of the units asked', async () => {
    const sheet = join(tempDir(), 'answers.jsonl');
    writeFileSync(sheet, `${JSON.stringify({ id: '1', answer: '\\boxed{6}' })}\n`);
    const out = join(tempDir(), 'run');
    await runExam({ examDir: TINY_EXAM, models: [`replay:${sheet}`], out });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const ctx = loadRunContext(out);
    expect(manifest.versions.exam).toBe(ctx.versions.exam);
    expect(manifest.versions.rubric).toBe(ctx.versions.rubric);
    expect(manifest.versions.units['2a']).toEqual(ctx.versions.units.get('2a'));
    const r2 = ctx.responses.find((r) => r.questionId === '2')!;
    expect(Object.keys(r2.versions ?? {})).toEqual(r2.unitIds);
    expect(r2.versions?.[r2.unitIds[0]]).toEqual(ctx.versions.units.get(r2.unitIds[0]));
  });
});

describe('heldout regrade', () => {
  it('an edited rubric item regrades only that unit, with the checker and the judge, and prints the diff', async () => {
    const exam = examCopy();
    const dir = await gradedRun(exam);
    const before = readGrades(dir).length;
    edit(join(exam, 'rubric.yaml'), 'Rewrites as -2 <= x - 1 <= 2.', 'Rewrites the inequality without |·|.');
    strict = true;

    const dry = await regradeRun(dir, { dryRun: true, openOptions: openOptions() });
    expect(dry.changed).toEqual([{ unitId: '2b', parts: ['rubric'], staleGrades: 5 }]);
    expect(readGrades(dir)).toHaveLength(before);
    expect(server.requests).toHaveLength(0);

    const r = await regradeRun(dir, { openOptions: openOptions() });
    expect(r.changed.map((c) => c.unitId)).toEqual(['2b']);
    expect(r.judges).toMatchObject({ specs: ['openai:judge-a'], graded: 2, ungraded: 0 });
    // The judge was asked about part (b) only, once per model.
    expect(server.requests).toHaveLength(2);
    for (const p of server.prompts()) expect(p).toContain('Mark only part (b)');
    const added = readGrades(dir).slice(before);
    expect(added.map((g) => `${g.grader.id}:${g.unitId}`).sort()).toEqual([
      'auto:2b',
      'auto:2b',
      'judge:openai:judge-a:2b',
      'judge:openai:judge-a:2b',
    ]);
    // m1's 2b is human-graded: that grade is stale and left out of "after"; the judge now gives 2b nothing.
    expect(r.humanStale).toEqual([expect.objectContaining({ grader: 'ann', unitId: '2b', parts: ['rubric'] })]);
    const m2 = r.models.find((m) => m.model === 'm2')!;
    expect(m2).toMatchObject({ before: 9, after: 7 });
    expect(m2.moved).toEqual([expect.objectContaining({ unitId: '2b', before: 2, after: 0 })]);
    const text = regradeText(r);
    expect(text).toContain('2b: rubric changed; 5 grade(s) stale');
    expect(text).toMatch(/m2: 9 → 7 \/ 14 \(-2\)/);
    expect(text).toContain('2b sample 0: 2 → 0');
    expect(text).toMatch(/ann: 1 on 2b — `heldout grade .* --human --grader ann` asks them again/);

    // Nothing changed since: a second regrade finds nothing to do.
    server.reset();
    const again = await regradeRun(dir, { openOptions: openOptions() });
    expect(again.changed.map((c) => c.unitId)).toEqual(['2b']); // still: ann's stale human grade
    expect(again.changed[0].staleGrades).toBe(1);
  });

  it('a corrected question text makes the human grades on that unit stale: score refuses, the grader is asked again', async () => {
    const exam = examCopy();
    const dir = await gradedRun(exam);
    edit(
      join(exam, 'exam.yaml'),
      'Solve the equation $3x - 7 = 11$.',
      'Solve the equation $3x - 7 = 11$ for real $x$.',
    );

    expect(() => scoreRun(dir)).toThrow(
      /5 grade\(s\) were made under an earlier version of their unit: 1 \(question changed\)/,
    );
    const allowed = scoreRun(dir, { allowStale: true });
    expect(allowed.versions.stale.map((s) => `${s.grader}:${s.unitId}`).sort()).toEqual([
      'ann:1',
      'auto:1',
      'auto:1',
      'judge:openai:judge-a:1',
      'judge:openai:judge-a:1',
    ]);

    const ctx = loadRunContext(dir);
    const queue = humanQueue(ctx, 'ann', { grader: 'ann', seed: 1, blind: false, startedAt: '' });
    expect(queue.todo.filter((t) => t.response.model === 'm1').map((t) => t.unit.id)).toEqual(['1', '2a', '3']);

    const r = await regradeRun(dir, { openOptions: openOptions() });
    expect(r.changed).toEqual([{ unitId: '1', parts: ['question'], staleGrades: 5 }]);
    expect(r.humanStale.map((h) => h.unitId)).toEqual(['1']);
    // Auto and judge grades are current again; only ann's grade on 1 is stale.
    expect(() => scoreRun(dir)).toThrow(
      /1 grade\(s\) were made under an earlier version of their unit: 1 \(question changed\)/,
    );
    const current = latestGrades(readGrades(dir)).filter((g) => g.unitId === '1' && g.grader.kind !== 'human');
    expect(current).toHaveLength(4);
    expect(new Set(current.map((g) => g.version?.unit.question)).size).toBe(1);
  });

  it('an edited answer key is found and the checker applies the new key', async () => {
    const exam = examCopy();
    const dir = await gradedRun(exam);
    edit(
      join(exam, 'exam.yaml'),
      '{ id: "3", number: 3, text: "Compute 2 + 3.", points: 3, reference: "5", answer: { kind: number, value: 5 } }',
      '{ id: "3", number: 3, text: "Compute 2 + 3.", points: 3, reference: "5", answer: { kind: number, value: 6 } }',
    );
    const r = await regradeRun(dir, { noJudges: true });
    expect(r.changed).toEqual([{ unitId: '3', parts: ['key'], staleGrades: 4 }]);
    const auto = latestGrades(readGrades(dir)).filter((g) => g.unitId === '3' && g.grader.kind === 'auto');
    expect(auto.map((g) => g.total)).toEqual([0, 0]);
    // The judges were not asked: their grades on 3 stay stale, and score says so.
    expect(server.requests).toHaveLength(0);
    expect(() => scoreRun(dir)).toThrow(/3 \(key changed\)/);
  });
});

describe('CLI', () => {
  it('regrade prints per model before → after; score refuses stale grades unless --allow-stale', async () => {
    const exam = examCopy();
    const dir = await gradedRun(exam);
    edit(join(exam, 'rubric.yaml'), 'Rewrites as -2 <= x - 1 <= 2.', 'Rewrites the inequality without |·|.');
    strict = true;
    const env = { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: server.openaiBaseUrl };

    const refused = await runCliAsync(['score', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /heldout: error: .*5 grade\(s\) were made under an earlier version of their unit: 2b \(rubric changed\) — run `heldout regrade/,
    );
    const allowed = await runCliAsync(['score', dir, '--allow-stale']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/STALE: 5 counted grade\(s\) were made under an earlier version of unit\(s\) 2b/);

    const r = await runCliAsync(['regrade', dir, '--no-cache'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 unit(s) changed since they were graded:\n  2b: rubric changed');
    expect(r.stdout).toMatch(/m1: 9 → 7 \/ 14 \(-2\)/);
    expect(r.stdout).toMatch(/m2: 9 → 7 \/ 14 \(-2\)\n {4}2b sample 0: 2 → 0/);

    const score = await runCliAsync(['score', dir, '--allow-stale']);
    expect(score.stdout).toMatch(/Exam version [0-9a-f]{16}, rubric version [0-9a-f]{16} \(now\)/);
    expect(score.stdout).toMatch(/STALE: 1 counted grade/);
  }, 180_000);
});
