import { appendFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeRecord } from '../src/store/records.js';
import { type BrowserSession, chromiumPath, launchChromium, openFile } from './helpers/browser.js';
import { ROOT, runCliAsync, tempDir } from './helpers/cli.js';

const TINY = join(ROOT, 'tests/fixtures/report/tiny-run');
const EXAM = join(ROOT, 'exams/tiny');
const CHROMIUM = chromiumPath();

const grade = (g: Partial<GradeRecord> & Pick<GradeRecord, 'responseId' | 'unitId' | 'grader'>): string =>
  `${JSON.stringify({ status: 'graded', items: {}, total: 0, maxPoints: 3, at: '2026-11-28T09:00:00.000Z', ...g })}\n`;

/**
 * Run b is run a regraded: a human changes one unit's points, the automatic check turns undetermined on a unit
 * only it graded, a judge rewords a reason without changing points, and the check re-reads an answer the same way.
 * Only the first two are changed verdicts.
 */
function twoRuns(): { dir: string; a: string; b: string } {
  const dir = tempDir('heldout-compare-');
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  cpSync(TINY, a, { recursive: true });
  cpSync(TINY, b, { recursive: true });
  appendFileSync(
    join(b, 'grades.jsonl'),
    grade({
      responseId: 'openai:fict-alpha|1|0',
      unitId: '1',
      grader: { kind: 'human', id: 'example-human' },
      items: { '1.1': { points: 0, reason: 'no working shown' }, '1.2': { points: 1 } },
      total: 1,
      maxPoints: 2,
    }) +
      grade({
        responseId: 'openai:fict-alpha|3|1',
        unitId: '3',
        grader: { kind: 'auto', id: 'auto' },
        status: 'undetermined',
        verdict: { outcome: 'undetermined', reason: 'two different final answers' },
      }) +
      grade({
        responseId: 'anthropic:fict-beta|3|0',
        unitId: '3',
        grader: { kind: 'judge', id: 'judge:openai:fict-judge' },
        items: { '3.1': { points: 1, reason: 'Reworded.' }, '3.2': { points: 1 }, '3.3': { points: 1 } },
        total: 3,
      }) +
      grade({
        responseId: 'ollama:fict-delta|1|0',
        unitId: '1',
        grader: { kind: 'auto', id: 'auto' },
        verdict: { outcome: 'incorrect', extracted: '5', key: '6', rule: 'number' },
        items: { '1.2': { points: 0 } },
        maxPoints: 2,
      }),
  );
  return { dir, a, b };
}

describe('heldout compare', () => {
  let runs: ReturnType<typeof twoRuns>;
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    runs = twoRuns();
    if (CHROMIUM) session = await launchChromium(CHROMIUM);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('--json lists exactly the unit answers whose verdict changed, with before and after', async () => {
    const r = await runCliAsync(['compare', runs.a, runs.b, '--exam', EXAM, '--json'], { cwd: runs.dir });
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.runs.map((x: { dir: string }) => x.dir)).toEqual(['a', 'b']);
    expect(c.changed).toHaveLength(1);
    const units = c.changed[0].units.map((u: { model: string; unitId: string; sample: number }) => [
      u.model,
      u.unitId,
      u.sample,
    ]);
    expect(units).toEqual([
      ['openai:fict-alpha', '1', 0],
      ['openai:fict-alpha', '3', 1],
    ]);
    expect(c.changed[0].units[0]).toMatchObject({ before: { points: 2 }, after: { points: 1 }, delta: -1 });
    expect(c.changed[0].units[1]).toMatchObject({ before: { state: 'graded' }, after: { state: 'undetermined' } });
    // Question deltas: fict-alpha lost a point on question 1 (mean over its 3 samples: 1/3).
    const q1 = c.questions.find((q: { id: string }) => q.id === '1');
    const alpha = q1.models.find((m: { model: string }) => m.model === 'openai:fict-alpha');
    expect(alpha.points[1] - alpha.points[0]).toBeCloseTo(-1 / 3, 2);
    // Three questions are too few for a paired test: none is drawn.
    expect(c.models.every((m: { vsBase: unknown[] }) => m.vsBase[1] === null)).toBe(true);
  });

  it('--format md is a pull-request comment with the changed units', async () => {
    const r = await runCliAsync(['compare', runs.a, runs.b, '--exam', EXAM, '--format', 'md'], { cwd: runs.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# Compare: tiny/);
    expect(r.stdout).toContain('## b vs a: 2 of ');
    expect(r.stdout).toMatch(/\| fict-alpha \| 1 \| 0 \| 2 \(correct.*\) \| 1 \(correct.*\) \| -1 \|/);
    expect(r.stdout).toMatch(/\| fict-alpha \| 3 \| 1 \| 2 \(correct.*\) \| undetermined \(undetermined\) \| -2 \|/);
  });

  it.skipIf(!CHROMIUM)('writes an HTML comparison that lists the same units in a real browser', async () => {
    const out = join(runs.dir, 'cmp.html');
    const r = await runCliAsync(['compare', runs.a, runs.b, '--exam', EXAM, '-o', out], { cwd: runs.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('cmp.html');
    expect(r.stderr).toMatch(/b vs a: 2 of \d+ unit answers changed/);
    const { page, requests, consoleErrors } = await openFile(session!.browser, out);
    expect(requests).toEqual([`file://${out}`]);
    expect(consoleErrors).toEqual([]);
    expect(
      await page.$$eval('table.changed tr[data-unit]', (trs) => trs.map((t) => t.getAttribute('data-unit'))),
    ).toEqual(['openai:fict-alpha|1|0', 'openai:fict-alpha|3|1']);
    expect(await page.locator('h1').textContent()).toContain('2 runs compared');
    expect(readFileSync(out, 'utf8')).not.toContain('sk-should-never-show');
    await page.context().close();
  });

  it('needs two runs', async () => {
    const r = await runCliAsync(['compare', runs.a, '--exam', EXAM], { cwd: runs.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/compare needs two run directories or more/);
  });
});
