import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeManyModelRun } from '../bench/gen-run.js';
import { writeReport } from '../src/pipeline/write-report.js';
import { type BrowserSession, chromiumPath, launchChromium, openFile } from './helpers/browser.js';
import { ROOT, tempDir } from './helpers/cli.js';

const CHROMIUM = chromiumPath();
const SCREEN = 900;
const EXAM = join(ROOT, 'exams/heldout-finals-2026-11');

/** Page height with every fold closed. */
const foldedHeight = `(() => {
  for (const d of document.querySelectorAll('details')) d.open = false;
  return document.documentElement.scrollHeight;
})()`;

describe.skipIf(!CHROMIUM)('report navigation in a real browser (Chromium)', () => {
  let session: BrowserSession;
  let dir: string;
  let demoReport: string;
  let manyReport: string;
  beforeAll(async () => {
    dir = tempDir('heldout-nav-');
    // The demo run (3 example sheets) and a 30-model run made from it.
    const many = await writeManyModelRun(dir, { models: 30 });
    demoReport = join(dir, 'runs/demo/report.html');
    manyReport = (await writeReport(many, join(dir, 'many.html'), { exam: EXAM })).file;
    session = await launchChromium(CHROMIUM!);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 120_000);

  it('folded, the demo report is at most about 3 screens tall and a 30-model report at most about 6', async () => {
    const demo = await openFile(session.browser, demoReport);
    const demoHeight = (await demo.page.evaluate(foldedHeight)) as number;
    expect(demoHeight).toBeLessThanOrEqual(3 * SCREEN);
    // Unfolded it is much taller: the folds are what keeps it short.
    const open = (await demo.page.evaluate(`(() => {
      for (const d of document.querySelectorAll('details')) d.open = true;
      return document.documentElement.scrollHeight;
    })()`)) as number;
    expect(open).toBeGreaterThan(10 * demoHeight);
    await demo.page.context().close();
    const many = await openFile(session.browser, manyReport);
    expect((await many.page.evaluate(foldedHeight)) as number).toBeLessThanOrEqual(6 * SCREEN);
    // Two-digit ranks stay on one line ("10", not "1 / 0").
    const ranks = (await many.page.evaluate(`[...document.querySelectorAll('table.scoreboard td.rank')].map((td) => {
      const r = document.createRange();
      r.selectNodeContents(td);
      return [td.textContent, r.getClientRects().length];
    })`)) as [string, number][];
    expect(ranks).toHaveLength(30);
    expect(ranks.slice(8, 11).map((r) => r[0])).toEqual(['9', '10', '11']);
    expect(new Set(ranks.map((r) => r[1]))).toEqual(new Set([1]));
    await many.page.context().close();
  }, 120_000);

  it('every answer is reachable from the heatmap: each cell opens its fold and shows the answers', async () => {
    const { page, consoleErrors, pageErrors } = await openFile(session.browser, manyReport);
    await page.evaluate(foldedHeight);
    const hrefs = (await page.$$eval('table.heat td a', (as) => as.map((a) => a.getAttribute('href')))) as string[];
    // 30 models × 18 questions, minus the questions a model's sheet left unanswered still link (to "no answer").
    expect(hrefs.length).toBeGreaterThan(30 * 15);
    const answerIds = (await page.$$eval('article.answer', (as) => as.map((a) => a.id))) as string[];
    const reached = new Set<string>();
    // Clicking every cell in a browser takes a while; click a spread of them, and check every link's target.
    const sample = hrefs.filter((_, i) => i % 37 === 0);
    for (const href of sample) {
      await page.click(`table.heat td a[href="${href}"]`);
      const state = (await page.evaluate(`(() => {
        const el = document.getElementById(${JSON.stringify(href.slice(1))});
        const r = el.getBoundingClientRect();
        const arts = [...el.querySelectorAll('article.answer')];
        return { open: el.open, top: r.top, height: r.height, visible: arts.filter((a) => a.getBoundingClientRect().height > 0).map((a) => a.id), hash: location.hash };
      })()`)) as { open: boolean; top: number; height: number; visible: string[]; hash: string };
      expect(state.open, href).toBe(true);
      expect(state.hash).toBe(href);
      expect(state.top).toBeGreaterThanOrEqual(0);
      expect(state.top).toBeLessThan(SCREEN);
      expect(state.visible.length).toBeGreaterThan(0);
      for (const id of state.visible) reached.add(id);
      await page.evaluate(foldedHeight);
    }
    expect(reached.size).toBeGreaterThanOrEqual(sample.length);
    // Every answer sits in exactly one fold that a heatmap cell links to.
    const folds = (await page.$$eval('article.answer', (as) =>
      as.map((a) => a.closest('details.answer-fold')?.id ?? ''),
    )) as string[];
    const linked = new Set(hrefs.map((h) => h.slice(1)));
    const unreachable = answerIds.filter((_, i) => !linked.has(folds[i]));
    expect(unreachable).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('a link to an answer inside closed folds opens them (hashchange), and the TOC reaches closed sections', async () => {
    const { page } = await openFile(session.browser, demoReport);
    await page.evaluate(foldedHeight);
    const target = (await page.$eval('article.answer', (a) => a.id)) as string;
    await page.evaluate(`location.hash = ${JSON.stringify(`#${target}`)}`);
    await page.waitForFunction(`document.getElementById(${JSON.stringify(target)}).getBoundingClientRect().height > 0`);
    await page.click('nav.toc a[href="#run"]');
    expect(await page.evaluate(`document.getElementById('run').getBoundingClientRect().height > 0`)).toBe(true);
    await page.click('nav.toc a[href="#by-model"]');
    expect(await page.evaluate(`document.getElementById('by-model').open`)).toBe(true);
    await page.context().close();
  }, 120_000);

  it('the CSP lets the hashed navigation script run and blocks a script injected into the page', async () => {
    const html = readFileSync(demoReport, 'utf8');
    expect(html).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    // A script smuggled into the body (as a template bug or a hostile answer would) must not run.
    const tampered = join(dir, 'tampered.html');
    writeFileSync(
      tampered,
      html.replace('<main>', '<main><script>window.__pwned = 1; document.title = "pwned"</script>'),
    );
    const { page, consoleErrors } = await openFile(session.browser, tampered);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.title()).not.toBe('pwned');
    expect(consoleErrors.join('\n')).toMatch(/Content Security Policy/);
    // The hashed one ran: it marks the page and drives the open-all button.
    expect(await page.evaluate(`document.documentElement.getAttribute('data-nav')`)).toBe('on');
    await page.click('button[data-fold="open"]');
    expect(await page.evaluate(`[...document.querySelectorAll('#answers details')].every((d) => d.open)`)).toBe(true);
    await page.context().close();
  }, 120_000);
});
