import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExam } from '../src/exam/load.js';
import { writeReport } from '../src/pipeline/write-report.js';
import type { ReportModel } from '../src/report/model.js';
import { questionFigures } from '../src/report/report-figures.js';
import { runExam } from '../src/run/runner.js';
import { type BrowserSession, chromiumPath, launchChromium, openFile } from './helpers/browser.js';
import { ROOT, tempDir } from './helpers/cli.js';

const CHROMIUM = chromiumPath();
const EXAM = join(ROOT, 'tests/fixtures/report/figures-exam');
const SHEET = join(ROOT, 'tests/fixtures/report/figures-answers.jsonl');
const BAG_ALT = 'A bag with 3 red & 5 blue marbles <b>not bold</b>';
const TRIANGLE_ALT = 'A right triangle with legs 3 and 4.';

/** A real run of the fixture exam (a PNG on question 1, an SVG with a script on sub-part 2b) and its report. */
let file: string;
let model: ReportModel;
beforeAll(async () => {
  const dir = tempDir('heldout-report-figures-');
  const runDir = join(dir, 'run');
  await runExam({ examDir: EXAM, models: [`replay:${SHEET}`], out: runDir, noCache: true, cwd: dir });
  file = join(dir, 'report.html');
  ({ model } = await writeReport(runDir, file));
});

describe('figures in the report', () => {
  it('sit beside their question and sub-part, numbered as the prompt numbers them, as data: URIs', () => {
    const [q1, q2] = model.answers.questions;
    const png = readFileSync(join(EXAM, 'figures/bag.png')).toString('base64');
    const svg = readFileSync(join(EXAM, 'figures/triangle.svg')).toString('base64');
    expect(q1.figures).toEqual([
      { number: 1, file: 'figures/bag.png', alt: BAG_ALT, src: `data:image/png;base64,${png}` },
    ]);
    expect(q2.figures).toBeUndefined();
    // 2b has sub-parts of its own: its figure goes with its first one, where a reader meets it.
    expect(q2.subparts.map((s) => [s.label, s.figures?.map((f) => [f.number, f.file, f.src?.length])])).toEqual([
      ['a', undefined],
      ['b i', [[1, 'figures/triangle.svg', `data:image/svg+xml;base64,${svg}`.length]]],
      ['b ii', undefined],
    ]);
  });

  it('embeds the SVG only as an <img> (never its markup), escapes the alt text, and the CSP allows data: images', () => {
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="[^"]*img-src data:;/);
    expect(html).toContain(`alt="A bag with 3 red &amp; 5 blue marbles &lt;b&gt;not bold&lt;/b&gt;"`);
    expect(html).toContain('<figcaption>Figure 1: A bag with 3 red &amp; 5 blue marbles &lt;b&gt;not bold&lt;/b&gt;');
    expect(html).not.toContain('__pwned');
    expect(html).not.toMatch(/<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="40"/);
    expect(html.match(/<img src="data:image\/svg\+xml;base64,/g)).toHaveLength(1);
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(1);
  });
});

describe('figures a report cannot show', () => {
  const question = loadExam(EXAM).exam.parts[0].questions[0];

  it('a missing file leaves no src (the page says it cannot be shown)', () => {
    expect(questionFigures(question, {}).question).toEqual([
      { number: 1, file: 'figures/bag.png', alt: BAG_ALT, src: undefined },
    ]);
  });

  it('a source that is not a base64 PNG, JPEG or SVG is not put in the page', () => {
    for (const src of [
      'data:text/html;base64,PHNjcmlwdD4=',
      'javascript:alert(1)',
      'data:image/svg+xml,<svg onload=alert(1)>',
      'data:image/png;base64,AAAA" onerror="alert(1)',
    ]) {
      expect(questionFigures(question, { 'figures/bag.png': src }).question[0].src, src).toBeUndefined();
    }
    expect(questionFigures(question, { 'figures/bag.png': 'data:image/png;base64,AAAA' }).question[0].src).toBe(
      'data:image/png;base64,AAAA',
    );
  });
});

describe.skipIf(!CHROMIUM)('figures in the report, in Chromium', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await launchChromium(CHROMIUM!);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('render (PNG and SVG), with their alt text, and the SVG script does not run', async () => {
    const { page, requests, consoleErrors, pageErrors } = await openFile(session.browser, file);
    const title = await page.title();
    // A reader opens the questions to see them.
    await page.$$eval('#answers details.question', (ds) => {
      for (const d of ds) (d as unknown as { open: boolean }).open = true;
    });
    await page.waitForFunction(
      `[...document.querySelectorAll('figure.figure img')].every((i) => i.complete && i.naturalWidth > 0)`,
    );
    const images = await page.$$eval('figure.figure img', (imgs) =>
      imgs.map((i) => {
        const img = i as unknown as { alt: string; naturalWidth: number; naturalHeight: number; src: string };
        return {
          alt: img.alt,
          w: img.naturalWidth,
          h: img.naturalHeight,
          type: img.src.slice(0, img.src.indexOf(';')),
        };
      }),
    );
    expect(images).toEqual([
      { alt: BAG_ALT, w: 2, h: 2, type: 'data:image/png' },
      { alt: TRIANGLE_ALT, w: 40, h: 30, type: 'data:image/svg+xml' },
    ]);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.title()).toBe(title);
    expect(await page.$$eval('svg script', (s) => s.length)).toBe(0);
    expect(requests.filter((r) => !r.startsWith('data:'))).toEqual([`file://${file}`]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('control: the fixture SVG opened on its own does run its script', async () => {
    const { page } = await openFile(session.browser, join(EXAM, 'figures/triangle.svg'));
    expect(await page.evaluate('window.__pwned')).toBe('script;onload;');
    await page.context().close();
  });
});
