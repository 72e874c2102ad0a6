import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, chromiumPath, launchChromium, openFile } from './helpers/browser.js';
import { ROOT, runCliAsync, tempDir } from './helpers/cli.js';

const CHROMIUM = chromiumPath();

/** `npm start` as a new user runs it: nothing pulled, only the pack that ships with heldout. */
describe('the demo with the offline pack', () => {
  const cwd = tempDir('heldout-demo-pack-');
  const env = { HELDOUT_BENCH_DIR: join(cwd, 'nothing-pulled'), HELDOUT_CACHE_DIR: join(cwd, '.cache') };
  let stderr = '';
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    const r = await runCliAsync(['demo'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    stderr = r.stderr;
    if (CHROMIUM) session = await launchChromium(CHROMIUM);
  }, 180_000);
  afterAll(async () => {
    await session?.close();
  });

  it('checks the fresh exam against all four benchmarks from the pack and says what was compared', () => {
    expect(stderr).toMatch(
      /^check +exams\/heldout-finals-2026-11 against gsm8k \(1319 items, pack\), math \(5000 items, pack\), mmlu \(14042 items, pack\), humaneval \(164 items, pack\): 0 of 39 items contaminated, 39 compared and clean; rules gpt3-13gram, palm-8gram-70, gpt4-50char/m,
    );
    expect(stderr).toMatch(/^check +answers: 2 of \d+ answers reproduce a benchmark solution, \d+ compared and clean/m);
    expect(stderr).toMatch(/^check +leaky exam runs\/demo\/leaky-exam: 3 of 3 items contaminated.*fired: .*template/m);
    // The planted texts were built at demo time: the repository holds them only inside the compressed pack.
    const sheet = readFileSync(join(cwd, 'runs/demo/inputs/memorised.jsonl'), 'utf8');
    expect(sheet).toMatch(/<<40\+32=72>>/);
    expect(readFileSync(join(ROOT, 'src/pipeline/demo-leaks.ts'), 'utf8')).not.toMatch(/<<40\+32=72>>/);
  });

  it('`heldout check` exits 2 on the leaky exam, naming each rule that fired, and 0 on the fresh exam', async () => {
    const leaky = await runCliAsync(['check', 'runs/demo/leaky-exam'], { cwd, env });
    expect(leaky.code, leaky.stderr).toBe(2);
    expect(leaky.stdout).toMatch(/CONTAMINATED \(exit 2\): gpt3-13gram \(3\).*template \(\d\)/);
    for (const id of ['L1', 'L2', 'L3']) expect(leaky.stdout).toMatch(new RegExp(`^${id}\\s+CONTAM`, 'm'));
    const fresh = await runCliAsync(['check', join(ROOT, 'exams/heldout-finals-2026-11')], { cwd, env });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/gpt3-13gram: 39 of 39 compared, 0 contaminated/);
    expect(fresh.stdout).toMatch(/clean \(exit 0\) where compared/);
  }, 120_000);

  it.skipIf(!CHROMIUM)(
    'the report shows the memorised answers with highlighted spans, and the leaky exam beside the clean one',
    async () => {
      const file = join(cwd, 'runs/demo/report.html');
      expect(existsSync(file)).toBe(true);
      const { page, requests } = await openFile(session!.browser, file);
      expect(requests).toHaveLength(1);
      const section = page.locator('#contamination');
      await expect(section.locator('table.coverage tbody tr').count()).resolves.toBe(3);
      await expect(section.textContent()).resolves.toMatch(/2 answers flagged as memorised/);
      const memorised = section.locator('.side-by-side.memorised');
      await expect(memorised.count()).resolves.toBeGreaterThanOrEqual(2);
      // Both sides carry highlighted shared spans, and the GSM8K calculator notes are among them.
      await expect(memorised.first().locator('div').first().locator('mark').count()).resolves.toBeGreaterThan(0);
      await expect(memorised.first().locator('div').nth(1).locator('mark').count()).resolves.toBeGreaterThan(0);
      await expect(memorised.first().textContent()).resolves.toMatch(/gsm8k\/test:1230/);
      await expect(memorised.first().locator('mark').allTextContents()).resolves.toEqual(
        expect.arrayContaining([expect.stringMatching(/40\+32=72/)]),
      );
      const leaky = section.locator('table.also-checked tbody tr.flagged');
      await expect(leaky.count()).resolves.toBe(3);
      await expect(section.locator('h3', { hasText: 'Beside it: The leaky exam' }).count()).resolves.toBe(1);
      await page.context().close();
    },
  );
});
