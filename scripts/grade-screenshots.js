// Takes the README's screenshots of `heldout grade serve` with headless Chromium: a grading screen and an
// adjudication screen, on a small run of the tiny exam written here. Usage: npm run build && node scripts/grade-screenshots.js
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startGradingServer } from '../dist/grading/web/server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = join(mkdtempSync(join(tmpdir(), 'heldout-shots-')), 'run');
mkdirSync(run, { recursive: true });
writeFileSync(join(run, 'manifest.json'), JSON.stringify({ examDir: join(root, 'exams/tiny') }));
const answers = {
  1: 'Add $7$ to both sides: $3x = 18$.\n\nSo the solution is $x = 6$, and checking: $3 \\cdot 6 - 7 = 11$. ✓',
  2: 'a) Two outcomes (5 and 6) of six: $P = \\frac{2}{6} = \\frac{1}{3}$.\n\nb) $-2 \\le x - 1 \\le 2$, so $-1 \\le x \\le 3$, i.e. $x \\in [-1, 3]$.',
  3: 'The common elements are 2, 4 and 6, so $A \\cap B = \\{2, 4, 6\\}$.',
};
const units = { 1: ['1'], 2: ['2a', '2b'], 3: ['3'] };
const lines = [];
for (const model of ['model-a', 'model-b']) {
  for (const q of ['1', '2', '3']) {
    lines.push({ id: `${model}|${q}|0`, model, questionId: q, unitIds: units[q], sample: 0, text: answers[q] });
  }
}
writeFileSync(join(run, 'responses.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
const at = '2026-12-01T10:00:00.000Z';
const grade = (responseId, unitId, kind, id, items, total, max, extra = {}) =>
  JSON.stringify({
    responseId,
    unitId,
    grader: { kind, id },
    status: 'graded',
    items,
    total,
    maxPoints: max,
    at,
    ...extra,
  });
appendFileSync(
  join(run, 'grades.jsonl'),
  `${[
    grade('model-a|1|0', '1', 'human', 'ben', { 1.1: { points: 1 }, 1.2: { points: 0 } }, 1, 2, {
      comment: 'The check is not a justification.',
    }),
    grade('model-a|1|0', '1', 'human', 'ann', { 1.1: { points: 1 }, 1.2: { points: 1 } }, 2, 2),
    JSON.stringify({
      responseId: 'model-b|3|0',
      unitId: '3',
      grader: { kind: 'auto', id: 'auto' },
      status: 'undetermined',
      verdict: { outcome: 'undetermined', extracted: '2, 4 and 6', source: 'conclusion', reason: 'a list in prose' },
      items: {},
      total: 0,
      maxPoints: 3,
      at,
    }),
  ].join('\n')}\n`,
);

const browser = await chromium.launch({
  executablePath: '/usr/lib/chromium/chromium',
  args: ['--headless', '--no-sandbox'],
});
async function shot(server, file, prepare) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  await page.goto(server.url);
  await page.waitForSelector('#rubric');
  await prepare?.(page);
  await page.screenshot({ path: join(root, 'docs', file) });
  await page.close();
  await server.close();
  process.stdout.write(`wrote docs/${file}\n`);
}
await shot(await startGradingServer(run, { grader: 'cleo', seed: 3, filter: 'all' }), 'grade-serve.png', async (p) => {
  await p.keyboard.press('n');
  await p.keyboard.press('n');
  await p.waitForSelector('#unit-title');
  await p.keyboard.press('1');
  await p.keyboard.press('0');
});
await shot(
  await startGradingServer(run, { grader: 'dana', adjudicate: true, seed: 4 }),
  'grade-adjudicate.png',
  async (p) => {
    await p.keyboard.press('1');
    await p.keyboard.press('0');
    await p.keyboard.press('c');
    await p.keyboard.type('The check by substitution does not justify x = 6; item 1.2 needs the division step.');
    await p.keyboard.press('Escape');
    await p.evaluate('window.scrollTo(0, 0)');
  },
);
await browser.close();
