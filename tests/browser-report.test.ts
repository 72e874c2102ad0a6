import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExam, loadRubric } from '../src/exam/load.js';
import { buildReportModel, SECTION_TITLES } from '../src/report/model.js';
import { renderReport } from '../src/report/render.js';
import { buildRubricPreviewModel, renderRubricPreview } from '../src/report/rubric-preview.js';
import { readTemplate } from '../src/report/templates.js';
import { responseId } from '../src/store/records.js';
import { tinyInputs } from './fixtures/report/inputs.js';
import { type BrowserSession, chromiumPath, distinctBytes, launchChromium, openFile } from './helpers/browser.js';
import { ROOT, tempDir } from './helpers/cli.js';

const CHROMIUM = chromiumPath();
const dir = tempDir('heldout-browser-');
const BIG = 5 * 1024 * 1024;

/** The tiny fixture plus every example adversarial answer and a 5 MB answer, as three more "models". */
async function hostileReport(): Promise<string> {
  const adversarial = readFileSync(join(ROOT, 'examples/answers/adversarial.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { answer: string }).answer)
    .join('\n\n');
  const extra = [
    { model: 'replay:adversarial-all.jsonl', q: '2', units: ['2a', '2b'], text: adversarial },
    {
      model: 'replay:canary.jsonl',
      q: '3',
      units: ['3'],
      text: '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"><svg onload="window.__pwned=1"></svg><a href="javascript:window.__pwned=1">x</a> \u202e801\u202c',
    },
    { model: 'replay:huge.jsonl', q: '1', units: ['1'], text: `${'A long answer. '.repeat(BIG / 15)}$x = 6$` },
  ];
  // Written into the run's responses.jsonl, so they go through the loader like any answer.
  const inputs = await tinyInputs({
    moreResponses: extra.map((e) => ({
      id: responseId(e.model, e.q, 0),
      model: e.model,
      questionId: e.q,
      unitIds: e.units,
      sample: 0,
      text: e.text,
    })),
  });
  const file = join(dir, 'report.html');
  writeFileSync(file, await renderReport(buildReportModel(inputs)));
  return file;
}

/** How many <math> tags the page's source has (KaTeX writes one per formula). */
function mathTags(html: string): number {
  return (html.match(/<math[\s>]/g) ?? []).length;
}

/** The page's math elements: in the MathML namespace (rendered as maths), or not. */
function mathElements(page: Page): Promise<{ mathml: number; other: number }> {
  return page.evaluate(`(() => {
    const all = [...document.getElementsByTagName('math')];
    const mathml = all.filter((m) => m.namespaceURI === 'http://www.w3.org/1998/Math/MathML').length;
    return { mathml, other: all.length - mathml };
  })()`);
}

describe.skipIf(!CHROMIUM)('the report in a real browser (Chromium, file://)', () => {
  let session: BrowserSession;
  let file: string;
  beforeAll(async () => {
    file = await hostileReport();
    session = await launchChromium(CHROMIUM!);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('loads with no request but the file itself, no console error and no script run', async () => {
    const { page, requests, consoleErrors, pageErrors } = await openFile(session.browser, file);
    expect(requests).toEqual([`file://${file}`]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The page runs in the browser; the test project has no DOM types, so page code is given as strings.
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    const dangerous = await page.evaluate(`(() => {
      const found = [];
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) if (/^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value)) found.push(el.tagName + ' ' + a.name);
      }
      return {
        found,
        tags: document.querySelectorAll('iframe, img, object, embed, link, base, form').length,
        scripts: [...document.querySelectorAll('script')].map((s) => s.textContent),
      };
    })()`);
    // The only script is the navigation script, exactly as shipped (the CSP allows it by hash).
    expect(dangerous).toEqual({ found: [], tags: 0, scripts: [readTemplate('nav.js')] });
    // `</style><style>body{display:none}</style>` in an answer must not hide the page.
    expect(await page.evaluate('getComputedStyle(document.body).display')).toBe('block');
    await page.context().close();
  });

  it('has every section, MathML, the scatter and the flag', async () => {
    const { page } = await openFile(session.browser, file);
    expect(await page.$$eval('h2', (hs) => hs.map((h) => h.textContent))).toEqual(Object.values(SECTION_TITLES));
    // Every formula the renderer wrote is parsed as MathML, hostile answers around it notwithstanding.
    expect(await mathElements(page)).toEqual({ mathml: mathTags(readFileSync(file, 'utf8')), other: 0 });
    expect(await page.$$eval('#benchmarks svg circle', (c) => c.length)).toBe(10);
    expect(await page.locator('#benchmarks').textContent()).toContain('suspected benchmark overfitting');
    // Heatmap links land on the answer.
    const href = await page.$eval('table.heat td a', (a) => a.getAttribute('href'));
    expect(await page.$$eval(`[id="${href!.slice(1)}"]`, (e) => e.length)).toBe(1);
    await page.context().close();
  });

  it('shows hostile text as text: bidi markers, mustaches, the truncated 5 MB answer', async () => {
    expect(statSync(file).size).toBeLessThan(2 * 1024 * 1024);
    const { page } = await openFile(session.browser, file);
    const text = await page.locator('#answers').textContent();
    expect(text).toContain('<script>window.__pwned=1</script>');
    expect(text).toContain('U+202E');
    expect(text).toContain('{{constructor}}');
    expect(text).toMatch(/Shown: the first 20000 of 52428\d\d characters/);
    await page.context().close();
  });

  it('renders a screenshot that is not blank', async () => {
    const { page } = await openFile(session.browser, file);
    const shot = await page.screenshot();
    const blankPage = await session.browser.newPage();
    await blankPage.setContent('<html><body></body></html>');
    const blank = await blankPage.screenshot();
    expect(shot.length).toBeGreaterThan(blank.length * 5);
    expect(distinctBytes(shot)).toBeGreaterThan(200);
    writeFileSync(join(dir, 'report.png'), shot);
    await page.context().close();
    await blankPage.close();
  });

  it('the rubric preview loads offline with MathML', async () => {
    const loaded = loadExam(join(ROOT, 'exams/heldout-finals-2026-11'));
    const preview = join(dir, 'rubric.html');
    writeFileSync(
      preview,
      await renderRubricPreview(buildRubricPreviewModel(loaded.exam, loadRubric(loaded).rubric, { toolVersion: 't' })),
    );
    const { page, requests, consoleErrors } = await openFile(session.browser, preview);
    expect(requests).toEqual([`file://${preview}`]);
    expect(consoleErrors).toEqual([]);
    const html = readFileSync(preview, 'utf8');
    expect(html).not.toContain('class="katex-error"');
    expect(await mathElements(page)).toEqual({ mathml: mathTags(html), other: 0 });
    await page.context().close();
  });
});
