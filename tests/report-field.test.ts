import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExam } from '../src/exam/load.js';
import { examUnits } from '../src/exam/model.js';
import { readReferenceCsv, referenceField } from '../src/report/reference-field.js';
import { type BrowserSession, chromiumPath, launchChromium, openFile } from './helpers/browser.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const CHROMIUM = chromiumPath();
const EXAM = join(ROOT, 'exams/hungarian-2023');

/** A sheet for the Hungarian exam with one row per unit (our own answers): the key for the units in `right`. */
function sheet(file: string, right: (id: string) => boolean): string {
  const { exam } = loadExam(EXAM);
  const rows = examUnits(exam).map((u) => {
    const a = u.answer;
    const val = !a ? 'see the working above' : Array.isArray(a.value) ? `\\{${a.value.join('; ')}\\}` : String(a.value);
    const text = right(u.id) ? `Working as on paper.\n\n\\boxed{${val}}` : 'I do not know.';
    return `${u.id},"${text.replace(/"/g, '""')}"`;
  });
  writeFileSync(file, `id,answer\n${rows.join('\n')}\n`);
  return file;
}

describe('the published field of hungarian-2023', () => {
  it('reference.csv holds the 14 published results with their sources; its trend flags MetaMath-style outliers', () => {
    const rows = readReferenceCsv(join(EXAM, 'reference.csv'));
    expect(rows).toHaveLength(14);
    expect(rows.find((r) => r.model === 'Grok-1')).toMatchObject({ exam: 59, gsm8k: 62.9 });
    expect(rows.every((r) => r.source)).toBe(true);
    const field = referenceField(rows, [])!;
    expect(field.slope).toBeGreaterThan(0.9);
    expect(field.reference.filter((p) => p.flagged).map((p) => p.label)).toContain('MetaMath Mistral 7B');
    expect(field.reference.find((p) => p.label === 'GPT-4')!.flagged).toBe(false);
  });

  it('a bad reference row is one error naming file and line', () => {
    const f = join(tempDir(), 'ref.csv');
    writeFileSync(f, 'model,exam,gsm8k\nA,40,50\nB,forty,60\n');
    expect(() => readReferenceCsv(f)).toThrow(/exam: "forty" is not a percentage/);
    try {
      readReferenceCsv(f);
    } catch (err) {
      expect((err as { where?: string }).where).toMatch(/ref\.csv:3$/);
    }
  });
});

describe.skipIf(!CHROMIUM)('the scatter against the published field, in Chromium', () => {
  let session: BrowserSession;
  let report: string;
  beforeAll(async () => {
    const dir = tempDir();
    const run = join(dir, 'run');
    const honest = sheet(join(dir, 'honest.csv'), () => true);
    const planted = sheet(join(dir, 'planted.csv'), (id) => id === '2' || id === '9');
    const r = runCli([
      'run',
      EXAM,
      '--model',
      `Honest=replay:${honest}`,
      '--model',
      `Planted=replay:${planted}`,
      '--split-subparts',
      '--out',
      run,
      '--no-cache',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(runCli(['grade', run, '--auto']).code).toBe(0);
    const scores = join(dir, 'scores.csv');
    // The planted model claims 95% on GSM8K with a near-zero exam score: far above the field's trend.
    writeFileSync(scores, 'model,gsm8k\nHonest,0.60\nPlanted,0.95\n');
    report = join(dir, 'report.html');
    const rep = runCli(['report', run, '--benchmarks-file', scores, '-o', report]);
    expect(rep.code, rep.stderr).toBe(0);
    session = await launchChromium(CHROMIUM!);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  it('shows the published models as grey labelled points, their trend, and flags the planted outlier', async () => {
    const { page, requests } = await openFile(session.browser, report);
    expect(requests).toHaveLength(1);
    const chart = page.locator('#benchmarks svg.field-chart');
    await expect(chart.count()).resolves.toBe(1);
    await expect(chart.locator('circle.reference-point').count()).resolves.toBe(14);
    await expect(chart.locator('line.trend').count()).resolves.toBe(1);
    await expect(chart.locator('text', { hasText: 'Grok-1' }).count()).resolves.toBe(1);
    await expect(chart.locator('circle.run-point').count()).resolves.toBe(2);
    await expect(chart.locator('circle.run-point.flagged').count()).resolves.toBe(1);
    const planted = page.locator('table.field tr.run', { hasText: 'Planted' });
    await expect(planted.textContent()).resolves.toMatch(/public-benchmark score not matched on the held-out exam/);
    await expect(planted.textContent()).resolves.toMatch(/\+\d+\.\d/);
    const honest = page.locator('table.field tr.run', { hasText: 'Honest' });
    await expect(honest.textContent()).resolves.not.toMatch(/not matched/);
    // The label given with Label=spec is what the report shows, not the file name.
    await expect(page.locator('#scoreboard').textContent()).resolves.toMatch(/Planted/);
    await expect(chart.locator('text', { hasText: /^Planted$/ }).count()).resolves.toBe(1);
    await page.context().close();
  });

  it('an exam without a reference says so instead of inventing a field', async () => {
    const dir = tempDir();
    const run = join(dir, 'run');
    expect(
      runCli(['run', join(ROOT, 'exams/tiny'), '--model', 'replay:examples/answers/strong.jsonl', '--out', run]).code,
    ).toBe(0);
    const out = join(dir, 'r.html');
    expect(runCli(['report', run, '-o', out]).code).toBe(0);
    const { page } = await openFile(session.browser, out);
    await expect(page.locator('#benchmarks svg.field-chart').count()).resolves.toBe(0);
    await expect(page.locator('#benchmarks .field-note').textContent()).resolves.toMatch(
      /No published results are known for exam "tiny"/,
    );
    await page.context().close();
  });
});
