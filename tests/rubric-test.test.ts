import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadExam, loadRubric } from '../src/exam/load.js';
import { rubricTestText, testRubric } from '../src/grading/rubric-test.js';
import { ROOT, runCliAsync } from './helpers/cli.js';
import { type ModelServer, promptOf, type RecordedRequest, startModelServer } from './helpers/model-server.js';

const FIXTURE = join(ROOT, 'tests/fixtures/rubric-test');
const exam = loadExam(FIXTURE);
const rubric = loadRubric(exam);

/** What the author expects for an answer, looked up by the answer text the judge was sent. */
function expectedFor(prompt: string): { points: Record<string, number>; caps?: string[] } {
  for (const target of Object.values(rubric.rubric.marking))
    for (const ex of target.examples ?? []) if (prompt.includes(`\n${ex.answer}\nEND ANSWER`)) return ex;
  throw new Error('unknown example');
}

/** A judge that agrees with the author, except that it always gives item 2b.1 in full: it over-awards 2b.1. */
let overAward: string | undefined = '2b.1';
const reply = (req: RecordedRequest) => {
  const prompt = promptOf(req);
  const expected = expectedFor(prompt);
  const items = [...prompt.matchAll(/- item "([^"]+)", 0 to (\d+) points/g)].map(([, id, max]) => ({
    id,
    points: id === overAward ? Number(max) : expected.points[id],
    reason: id === overAward ? 'the reasoning is implied by the correct probability' : 'as the criterion says',
  }));
  return JSON.stringify({ items, caps: expected.caps ?? [] });
};

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer({ script: (req) => ({ kind: 'ok', text: reply(req) }) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  overAward = '2b.1';
});

const openOptions = () => ({ baseUrl: server.openaiBaseUrl, env: { OPENAI_API_KEY: 'k' }, noCache: true });

describe('rubric test', () => {
  it('finds the item a judge over-awards, with its reason, and the checker awarding a right number from wrong working', async () => {
    const r = await testRubric(exam, rubric, { judges: ['openai:strict-judge'], openOptions: openOptions() });
    expect(r).toMatchObject({ examples: 6, units: 3, untested: [] });
    // Every example went to the judge, fenced as an answer.
    expect(server.requests).toHaveLength(6);

    const judge = r.graders.find((g) => g.grader === 'judge:openai:strict-judge')!;
    expect(judge.over).toEqual([
      expect.objectContaining({
        unitId: '2b',
        itemId: '2b.1',
        exampleName: 'decimal, no reasoning',
        expected: 0,
        awarded: 1,
        reason: 'the reasoning is implied by the correct probability',
      }),
    ]);
    expect(judge.under).toEqual([]);
    // 2 + 2 + 2 + 1 + 2 + 2 item comparisons and the cap 2b.cap in the two examples of 2b; one of them wrong.
    expect(judge).toMatchObject({ compared: 13, agreed: 12 });

    const auto = r.graders.find((g) => g.grader === 'auto')!;
    expect(auto.over).toEqual([
      expect.objectContaining({ unitId: '1', itemId: '1.2', exampleName: 'wrong working, right number' }),
    ]);
    expect(auto).toMatchObject({ compared: 6, agreed: 5 });

    const text = rubricTestText(r, 0.95);
    expect(text).toContain('judge:openai:strict-judge: 92.3% (12/13); over-awards 1, under-awards 0  BELOW 95%');
    expect(text).toContain('over-awards 2b.1 (unit 2b) in 1 example(s):');
    expect(text).toContain(
      'example 2 "decimal, no reasoning": expected 0, gave 1 — the reasoning is implied by the correct probability',
    );
  });

  it('a judge that leaves out a cap the author expects is too generous there', async () => {
    const noCaps = await startModelServer({
      script: (req) => ({ kind: 'ok', text: JSON.stringify({ ...JSON.parse(reply(req)), caps: [] }) }),
    });
    overAward = undefined;
    try {
      const r = await testRubric(exam, rubric, {
        judges: ['openai:capless'],
        openOptions: { ...openOptions(), baseUrl: noCaps.openaiBaseUrl },
      });
      const judge = r.graders.find((g) => g.grader === 'judge:openai:capless')!;
      expect(judge.over).toEqual([
        expect.objectContaining({ unitId: '2b', itemId: '2b.cap', exampleName: 'decimal, no reasoning' }),
      ]);
      expect(judge).toMatchObject({ compared: 13, agreed: 12 });
    } finally {
      await noCaps.close();
    }
  });

  it('an invalid judge reply counts against the judge, never as agreement', async () => {
    const bad = await startModelServer({ script: () => ({ kind: 'ok', text: 'full marks!' }) });
    try {
      const r = await testRubric(exam, rubric, {
        judges: ['openai:broken'],
        openOptions: { ...openOptions(), baseUrl: bad.openaiBaseUrl },
      });
      const judge = r.graders.find((g) => g.grader === 'judge:openai:broken')!;
      expect(judge).toMatchObject({ compared: 13, agreed: 0, agreement: 0 });
      expect(judge.ungraded).toHaveLength(6);
    } finally {
      await bad.close();
    }
  });

  it('CLI: exit 1 below --min-agreement, 0 at or above it', async () => {
    const env = { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: server.openaiBaseUrl };
    const below = await runCliAsync(
      ['rubric', 'test', FIXTURE, '--judge', 'openai:strict-judge', '--min-agreement', '95%', '--no-cache'],
      { env },
    );
    expect(below.stderr).toBe('');
    expect(below.stdout).toContain('over-awards 2b.1 (unit 2b) in 1 example(s)');
    expect(below.code).toBe(1);
    const above = await runCliAsync(
      ['rubric', 'test', FIXTURE, '--judge', 'openai:strict-judge', '--min-agreement', '0.8', '--json', '--no-cache'],
      { env },
    );
    expect(above.code).toBe(0);
    const json = JSON.parse(above.stdout);
    expect(json.graders.map((g: { grader: string }) => g.grader)).toEqual(['auto', 'judge:openai:strict-judge']);
    const bad = await runCliAsync(['rubric', 'test', FIXTURE, '--min-agreement', 'most']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--min-agreement must be a share between 0 and 1');
  }, 180_000);
});

describe('the shipped exam', () => {
  const finals = loadExam(join(ROOT, 'exams/heldout-finals-2026-11'));
  const finalsRubric = loadRubric(finals);

  it('has at least 3 examples per question, with a wrong answer holding a right number and a right answer in an unusual form', () => {
    for (const part of finals.exam.parts) {
      for (const q of part.questions) {
        const units = Object.entries(finalsRubric.rubric.marking).filter(
          ([id]) => id === q.id || (q.subparts ?? []).some((s) => s.id === id),
        );
        const names = units.flatMap(([, t]) => (t.examples ?? []).map((e) => e.name ?? ''));
        expect(names.length, `question ${q.id}`).toBeGreaterThanOrEqual(3);
        expect(
          names.some((n) => /right (numbers?|letter)/.test(n) && !/^right answer/.test(n)),
          `question ${q.id}`,
        ).toBe(true);
        expect(
          names.some((n) => /unusual form/.test(n)),
          `question ${q.id}`,
        ).toBe(true);
      }
    }
  });

  it('rubric test shows that the checker cannot see a right number reached by a wrong method', async () => {
    const r = await testRubric(finals, finalsRubric);
    expect(r.examples).toBeGreaterThanOrEqual(54);
    const auto = r.graders.find((g) => g.grader === 'auto')!;
    const over = auto.over.filter((d) => d.exampleName === 'right number from a wrong method').map((d) => d.itemId);
    expect(over).toEqual(expect.arrayContaining(['6.3', '7.2', '9a.1', '18d.3']));
  });
});
