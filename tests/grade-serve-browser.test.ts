import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionWire, sessionFromWire, type UnitView } from '../src/grading/web/protocol.js';
import { readGrades } from '../src/store/grades.js';
import { CHOOSE_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { type BrowserSession, chromiumPath, launchChromium } from './helpers/browser.js';
import { ROOT, runCliAsync, tempDir } from './helpers/cli.js';
import { figureRun, getJson, gradingRun, postJson, serveProcess } from './helpers/grade-serve.js';

const CHROMIUM = chromiumPath();

interface Watched {
  page: Page;
  context: BrowserContext;
  /** Every response body the page received. */
  bodies: string[];
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
}

async function openPage(session: BrowserSession, url: string): Promise<Watched> {
  const context = await session.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const w: Watched = { page, context, bodies: [], consoleErrors: [], pageErrors: [], requests: [] };
  page.on('request', (r) => w.requests.push(r.url()));
  page.on('response', async (r) => {
    if (r.status() >= 400) w.consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
    try {
      w.bodies.push(await r.text());
    } catch {
      // A navigation away can drop a body; nothing to check then.
    }
  });
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.pageErrors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('#rubric, #empty');
  return w;
}

const counts = (page: Page) => page.locator('#counts').textContent();

/** Waits for an element's text (a locator: string predicates would need eval, which the page's CSP forbids). */
async function waitText(page: Page, selector: string, text: RegExp): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
}

/** Grades the unit on screen with keys only: `key` on every rubric item, then Enter; waits for the save. */
async function gradeByKeys(page: Page, key: string, doneBefore: number): Promise<void> {
  const items = await page.locator('[data-item]').count();
  for (let k = 0; k < items; k++) await page.keyboard.press(key);
  await page.keyboard.press('Enter');
  await waitText(page, '#counts', new RegExp(`^${doneBefore + 1} of`));
}

describe.skipIf(!CHROMIUM)('grade serve in a real browser (Chromium)', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await launchChromium(CHROMIUM!);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('grades 10 units by keyboard; a killed server loses nothing; a second grader sees none of it; adjudication counts', async () => {
    const dir = gradingRun();
    let ann = await serveProcess([dir, '--grader', 'ann', '--seed', '11']);
    let w = await openPage(session, ann.url);
    expect(await counts(w.page)).toMatch(/^0 of 12 graded/);
    const seen: string[] = [];
    for (let n = 0; n < 5; n++) {
      seen.push((await w.page.locator('#unit-title').textContent())!);
      await gradeByKeys(w.page, '1', n);
    }
    expect(readGrades(dir)).toHaveLength(5);
    // Kill the server outright (no shutdown) in the middle of the session, and start it again.
    expect(await ann.stop('SIGKILL')).toBeNull();
    await w.context.close();
    ann = await serveProcess([dir, '--grader', 'ann', '--seed', '999']);
    expect(ann.stdout()).toMatch(/12 units to grade for ann, 5 done \(blind, order seed 11\)/);
    w = await openPage(session, ann.url);
    expect(await counts(w.page)).toMatch(/^5 of 12 graded/);
    expect(await w.page.locator('.meta').textContent()).toMatch(/^6 of 12 shown .* not graded yet$/);
    for (let n = 5; n < 10; n++) {
      seen.push((await w.page.locator('#unit-title').textContent())!);
      await gradeByKeys(w.page, '1', n);
    }
    expect(w.pageErrors).toEqual([]);
    expect(w.consoleErrors).toEqual([]);
    const annGrades = readGrades(dir);
    expect(annGrades).toHaveLength(10);
    expect(new Set(annGrades.map((g) => `${g.responseId}/${g.unitId}`)).size).toBe(10);
    // Keys '1' on every item: each item earns 1 point, and the rubric rules apply.
    for (const g of annGrades) {
      expect(g.grader).toEqual({ kind: 'human', id: 'ann' });
      expect(Object.values(g.items).every((i) => i.points === 1)).toBe(true);
    }
    // Question order (exam order), answers shuffled within each question.
    expect(seen.slice(0, 3)).toEqual(['Q1 · 2 points', 'Q1 · 2 points', 'Q1 · 2 points']);

    // Back, and the saved points are on screen; a comment and a flag by keys.
    await w.page.keyboard.press('ArrowLeft');
    await waitText(w.page, '.meta', /^10 of 12/);
    expect(await w.page.locator('.meta').textContent()).toMatch(/ graded$/);
    expect(await w.page.locator('#revealed').count()).toBe(0); // nothing machine-graded yet
    await w.page.keyboard.press('f');
    await w.page.keyboard.press('c');
    await w.page.keyboard.type('Second look: fine.');
    await w.page.keyboard.press('Escape');
    await w.page.keyboard.press('Enter');
    await w.page.waitForSelector('#toast.ok');
    const last = readGrades(dir).at(-1)!;
    expect(last).toMatchObject({ comment: 'Second look: fine.', flagged: true });
    await w.context.close();

    // A second grader, in a second browser context on a second server, at the same time as the first.
    const ben = await serveProcess([dir, '--grader', 'ben', '--seed', '12']);
    const b = await openPage(session, ben.url);
    expect(await counts(b.page)).toMatch(/^0 of 12 graded/);
    for (let n = 0; n < 2; n++) {
      expect(await b.page.locator('[data-item]:checked').count()).toBe(0);
      await gradeByKeys(b.page, '0', n);
    }
    const visible = `${await b.page.locator('body').textContent()}\n${b.bodies.join('\n')}`;
    expect(visible).not.toContain('"ann"');
    expect(visible).not.toContain('Second look');
    expect(visible).not.toMatch(/secret-model/);
    expect(b.pageErrors).toEqual([]);
    await b.context.close();
    await ben.stop();
    await ann.stop();

    // Ben's two grades disagree with Ann's (both graded the same Q1 answers? not necessarily): adjudicate them all.
    const disagreements = readGrades(dir).filter((g) => g.grader.id === 'ben').length;
    const carol = await serveProcess([dir, '--grader', 'carol', '--adjudicate']);
    expect(carol.stdout()).toMatch(new RegExp(`${disagreements} disagreements to adjudicate`));
    const c = await openPage(session, carol.url);
    const cards = await c.page.locator('#graders .grader h4').allTextContents();
    expect(cards.sort()).toEqual(['Grader ann', 'Grader ben']);
    // Enter without a reason is refused on the page.
    for (let k = 0; k < (await c.page.locator('[data-item]').count()); k++) await c.page.keyboard.press('1');
    await c.page.keyboard.press('Enter');
    await c.page.waitForSelector('#toast.bad');
    await c.page.keyboard.press('c');
    await c.page.keyboard.type('Both steps are shown; full marks.');
    await c.page.keyboard.press('Control+Enter');
    await waitText(c.page, '#counts', /^1 of/);
    await c.context.close();
    await carol.stop();
    const adjudicated = readGrades(dir).filter((g) => g.grader.kind === 'adjudicated');
    expect(adjudicated).toHaveLength(1);
    const a = adjudicated[0];
    expect(a).toMatchObject({ grader: { id: 'carol' }, comment: 'Both steps are shown; full marks.' });
    expect([...a.adjudicates!].sort()).toEqual(['ann', 'ben']);
    // score: the adjudicated grade wins by default; without it in --precedence the people are averaged.
    const score = await runCliAsync(['score', dir, '--json']);
    expect(score.code).toBe(0);
    const model = a.responseId.split('|')[0];
    const question = a.unitId.replace(/[ab]$/, '');
    const q = (text: string) =>
      (
        JSON.parse(text) as { models: { model: string; questions: { id: string; grader: string; points: number }[] }[] }
      ).models
        .find((m) => m.model === model)!
        .questions.find((x) => x.id === question)!;
    expect(q(score.stdout).grader).toContain('adjudicated');
    const people = await runCliAsync(['score', dir, '--json', '--precedence', 'human,judge,auto']);
    expect(q(people.stdout).grader).not.toContain('adjudicated');
    expect(q(score.stdout).points).toBeGreaterThan(q(people.stdout).points);
  }, 180_000);

  it('keeps hostile answers inert: script tags, onerror, javascript: links, a KaTeX bomb', async () => {
    const adversarial = readFileSync(join(ROOT, 'examples/answers/adversarial.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { answer: string }).answer)
      .join('\n\n');
    const bomb = `$${'\\frac{'.repeat(400)}x${'}{2}'.repeat(400)}$ $\\def\\a{\\a\\a}\\a$ $\\rule{100000em}{100000em}$ $${'x^{'.repeat(200)}1${'}'.repeat(200)}$`;
    const canary =
      '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"><svg onload="window.__pwned=1"></svg>' +
      '<a href="javascript:window.__pwned=1">x</a> [y](javascript:window.__pwned=1) \\href{javascript:window.__pwned=1}{z} ' +
      '$\\href{javascript:window.__pwned=1}{w}$ </textarea><style>body{display:none}</style> <!-- </script><script>window.__pwned=1</script>';
    // The hostile answer is the first unit, so it also travels inside the page's boot data.
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [
      { model: 'hostile', questionId: '4', unitIds: ['4'], text: `${canary}\n\n${adversarial}` },
      { model: 'hostile', questionId: '5', unitIds: ['5'], text: bomb },
    ]);
    const server = await serveProcess([dir, '--grader', 'ann', '--no-blind', '--filter', 'all']);
    try {
      const w = await openPage(session, server.url);
      for (const label of ['Q4 · 3 points', 'Q5 · 3 points']) {
        while ((await w.page.locator('#unit-title').textContent()) !== label) {
          const before = await w.page.locator('.meta').textContent();
          await w.page.keyboard.press('n');
          await w.page.locator('.meta').filter({ hasNotText: before! }).waitFor();
        }
        expect(await w.page.evaluate('typeof window.__pwned')).toBe('undefined');
        const dangerous = await w.page.evaluate(`(() => {
          const found = [];
          for (const el of document.querySelectorAll('*')) {
            for (const a of el.attributes) if (/^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value)) found.push(el.tagName + ' ' + a.name);
          }
          return { found, tags: document.querySelectorAll('script:not([src="app.js"]), iframe, img, object, embed, link:not([href="app.css"]):not([href="favicon.svg"]), base, form, style').length };
        })()`);
        expect(dangerous).toEqual({ found: [], tags: 0 });
        expect(await w.page.evaluate('getComputedStyle(document.body).display')).toBe('block');
      }
      const text = await w.page.locator('body').textContent();
      expect(text).toContain('Q5');
      await w.page.keyboard.press('p');
      await waitText(w.page, '#unit-title', /^Q4 · 3 points$/);
      const answer = await w.page.locator('.answer-text').textContent();
      expect(answer).toContain('<script>window.__pwned=1</script>');
      expect(answer).toContain('<img src=x onerror="window.__pwned=1">');
      expect(answer).toContain('U+202E');
      // It can still be graded, and nothing ran.
      await gradeByKeys(w.page, '1', 0);
      expect(await w.page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(w.pageErrors).toEqual([]);
      // Only this server was asked for anything.
      const origin = new URL(server.url).origin;
      expect(w.requests.every((r) => r.startsWith(origin))).toBe(true);
      expect(readGrades(dir)).toHaveLength(1);
      await w.context.close();
      // A request without the token is refused, from the browser too.
      const p = await session.browser.newPage();
      const res = await p.goto(`${origin}/`);
      expect(res?.status()).toBe(403);
      const res2 = await p.goto(`${origin}/g/not-the-token/api/session`);
      expect(res2?.status()).toBe(403);
      await p.close();
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('keeps counts live: a save in another tab and by another grader shows without a reload', async () => {
    const dir = gradingRun();
    const ann = await serveProcess([dir, '--grader', 'ann', '--seed', '11']);
    const ben = await serveProcess([dir, '--grader', 'ben', '--seed', '12', '--no-blind']);
    try {
      // Two tabs of Ann's, in two browser contexts: both open on the same first unit.
      const a = await openPage(session, ann.url);
      const b = await openPage(session, ann.url);
      const title = await b.page.locator('#unit-title').textContent();
      expect(await a.page.locator('#unit-title').textContent()).toBe(title);
      expect(await counts(b.page)).toMatch(/^0 of 12 graded · 0 flagged · 0 undetermined by the checker · 0 dis/);
      await gradeByKeys(a.page, '1', 0);
      // Tab B follows: counts, the filter's numbers, and the unit on its screen (untouched there) now graded.
      await waitText(b.page, '#counts', /^1 of 12 graded/);
      expect(await b.page.locator('#filter option[value="todo"]').textContent()).toBe('Not yet graded (11)');
      await waitText(b.page, '.meta', / graded$/);
      const items = await b.page.locator('[data-item]').count();
      expect(await b.page.locator('[data-item]:checked').count()).toBe(items);
      expect(await b.page.locator('#unit-title').textContent()).toBe(title);
      // Ben, on his own server (another process), gives the same answer 0: Ann's tabs count a disagreement.
      const mine = readGrades(dir)[0];
      const benSession = sessionFromWire(await getJson<SessionWire>(`${ben.url}api/session`));
      let target: UnitView | undefined;
      for (const e of benSession.queue.filter((x) => x.label === benSession.queue[0].label)) {
        const u = await getJson<UnitView>(`${ben.url}api/unit/${e.i}`);
        if (u.key === `${mine.responseId}/${mine.unitId}`) target = u;
      }
      const zero = Object.fromEntries(target!.items.map((it) => [it.id, 0]));
      expect((await postJson(`${ben.url}api/grade`, { i: target!.i, key: target!.key, items: zero })).status).toBe(200);
      for (const w of [a, b]) {
        await waitText(w.page, '#counts', /· 1 disagreements$/);
        expect(await w.page.locator('#filter option[value="disagreements"]').textContent()).toBe('Disagreements (1)');
      }
      // The polls are token-bound and same-origin: nothing else was asked for, and nothing failed.
      const origin = new URL(ann.url).origin;
      for (const w of [a, b]) {
        expect(w.requests.every((r) => r.startsWith(`${origin}${new URL(ann.url).pathname}`))).toBe(true);
        expect(w.requests.some((r) => r.endsWith('/api/queue'))).toBe(true);
        expect(w.pageErrors).toEqual([]);
        expect(w.consoleErrors).toEqual([]);
        await w.context.close();
      }
    } finally {
      await Promise.all([ann.stop(), ben.stop()]);
    }
  }, 120_000);

  it("shows the exam's figures with their alt text; an SVG figure's script never runs", async () => {
    const dir = figureRun();
    const server = await serveProcess([dir, '--grader', 'ann', '--no-blind']);
    try {
      const w = await openPage(session, server.url);
      expect(await w.page.locator('#unit-title').textContent()).toBe('Q1 · 2 points');
      const image = (selector: string) =>
        w.page.evaluate(`(async () => {
          const img = document.querySelector(${JSON.stringify(selector)});
          if (!img) return null;
          await img.decode().catch(() => undefined);
          return { w: img.naturalWidth, alt: img.getAttribute('alt'), src: img.getAttribute('src') };
        })()`);
      expect(await image('.question .figure img')).toEqual({ w: 2, alt: 'A balance <b>scale</b>.', src: 'fig/0' });
      // The alt text is text: its markup is shown, not made.
      expect(await w.page.locator('.question figcaption').textContent()).toBe('A balance <b>scale</b>.');
      expect(await w.page.locator('.question figcaption b').count()).toBe(0);
      while ((await w.page.locator('#unit-title').textContent()) !== 'Q2 (b) · 2 points') {
        const before = await w.page.locator('.meta').textContent();
        await w.page.keyboard.press('n');
        await w.page.locator('.meta').filter({ hasNotText: before! }).waitFor();
      }
      expect(await image('.question .figure img')).toEqual({ w: 60, alt: 'A number line from -3 to 5.', src: 'fig/1' });
      expect(await w.page.locator('.question .figure').nth(1).textContent()).toBe(
        'The figure file figures/gone.png cannot be shown.A missing plot.',
      );
      expect(await w.page.locator('svg, script:not([src="app.js"])').count()).toBe(0);
      expect(await w.page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(w.pageErrors).toEqual([]);
      expect(w.consoleErrors).toEqual([]);
      // Opened on its own, the SVG is a sandboxed document: its script and onload do not run either.
      const direct = await w.context.newPage();
      const res = await direct.goto(`${server.url}fig/1`);
      expect(res?.headers()['content-type']).toBe('image/svg+xml');
      expect(await direct.evaluate('typeof window.__pwned')).toBe('undefined');
      await w.context.close();
    } finally {
      await server.stop();
    }
  }, 120_000);
});
