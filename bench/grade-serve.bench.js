// `heldout grade serve` on a run with 2,000 units (and 4,000 existing grades): the first page must load in
// < 300 ms, and each save (appended and fsynced) must be acknowledged in < 50 ms.
// Run alone: npm run build && node bench/grade-serve.bench.js
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExam } from '../dist/exam/load.js';
import { examHash } from '../dist/exam/model.js';
import { startGradingServer } from '../dist/grading/web/server.js';
import { RUN_FORMAT, writeRunManifest } from '../dist/store/run.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'heldout-bench-serve-'));
const run = join(work, 'run');
mkdirSync(run);
{
  // A manifest as the runner writes it, through the store's own writer.
  const { exam } = loadExam(join(root, 'exams/tiny'));
  const hash = examHash(exam);
  const startedAt = '2026-12-01T00:00:00.000Z';
  writeRunManifest(run, {
    format: RUN_FORMAT,
    id: 'bench',
    exam: { id: exam.id, title: exam.title, hash, dir: join(root, 'exams/tiny') },
    examHash: hash,
    models: Array.from({ length: 10 }, (_, m) => ({
      spec: `model-${m}`,
      provider: 'replay',
      model: `model-${m}`,
      mode: 'chat',
    })),
    params: { temperature: 0, samples: 50, splitSubparts: false, mode: 'chat', shots: 0 },
    toolVersion: 'bench',
    startedAt,
    status: 'complete',
    counts: { planned: 1500, answered: 1500, failed: 0, missing: 0 },
    sessions: [{ startedAt, resumed: false }],
  });
}

// The tiny exam has 4 units over 3 questions: 500 (model, sample) pairs give 2,000 units.
const responses = [];
const grades = [];
const at = '2026-12-01T00:00:00.000Z';
for (let m = 0; m < 10; m++) {
  for (let s = 0; s < 50; s++) {
    const model = `model-${m}`;
    const add = (q, unitIds, text) => {
      const id = `${model}|${q}|${s}`;
      responses.push({ id, model, questionId: q, unitIds, sample: s, text });
      for (const unitId of unitIds) {
        for (const grader of ['ann', 'ben']) {
          if ((m + s + unitId.length) % 3 === 0) continue;
          grades.push({
            responseId: id,
            unitId,
            grader: { kind: 'human', id: grader },
            status: 'graded',
            items: {},
            total: grader === 'ann' ? 1 : (s % 2) + 1,
            maxPoints: 3,
            at,
          });
        }
      }
    };
    add('1', ['1'], `Add $7$: $3x = 18$, so $x = ${6 + (s % 3)}$. ${'Some working. '.repeat(40)}`);
    add('2', ['2a', '2b'], `a) $P = \\frac{2}{6} = \\frac{1}{3}$\n\nb) $|x - 1| \\le 2 \\iff x \\in [-1, 3]$`);
    add('3', ['3'], `$A \\cap B = \\{2, 4, 6\\}$ ${'since both sets contain them. '.repeat(20)}`);
  }
}
writeFileSync(join(run, 'responses.jsonl'), `${responses.map((r) => JSON.stringify(r)).join('\n')}\n`);
writeFileSync(join(run, 'grades.jsonl'), `${grades.map((g) => JSON.stringify(g)).join('\n')}\n`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;

// The same first page in Chromium, when it is installed: from navigation start to the first unit on the page.
const chromiumPath = ['/usr/lib/chromium/chromium', '/usr/lib/chromium-browser/chromium'].find((p) => existsSync(p));
/**
 * The server as a grader runs it: `heldout grade serve` in its own process. In this process it would share one event
 * loop with playwright's client, which is busy with the browser's events exactly while the page loads.
 */
function serveProcess(args) {
  const child = spawn(process.execPath, [join(root, 'bin/heldout.js'), 'grade', 'serve', run, '--no-open', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Open (http:\/\/\S+)/.exec(out);
      if (m) {
        resolve({
          url: m[1],
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`grade serve exited ${code}: ${out}`)));
  });
}

/** A mark's time once the page has set it (polled from outside: the page's CSP allows no eval for waitForFunction). */
async function markTime(page, name) {
  for (let k = 0; k < 400; k++) {
    const t = await page.evaluate(`performance.getEntriesByName('${name}')[0]?.startTime ?? null`);
    if (t !== null) return t;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the page never set ${name}`);
}
const inBrowser = [];
const painted = [];
const emptyPage = [];
if (chromiumPath) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox'] });
  for (let round = 0; round < 5; round++) {
    const server = await serveProcess(['--grader', `browser-${round}`, '--seed', String(round + 11)]);
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector('#rubric');
    // The page marks its first screen; the browser's clock leaves out this process's scheduling.
    inBrowser.push(await page.evaluate("performance.getEntriesByName('heldout:first-unit')[0].startTime"));
    painted.push(await markTime(page, 'heldout:first-unit-painted'));
    await page.close();
    await server.stop();
  }
  // The browser's own floor on this machine: an empty page, to the end of its DOMContentLoaded.
  for (let round = 0; round < 5; round++) {
    const page = await browser.newPage();
    await page.goto('data:text/html,<p>empty</p>');
    emptyPage.push(await page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"));
    await page.close();
  }
  await browser.close();
}

// Saves go through node:http with a kept-alive connection, as a browser would hold one: fetch's own overhead in this
// process (the client shares the CPU with the server here) is not the server's.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function getWith(url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let size = 0;
      res.on('data', (d) => (size += d.length));
      res.on('end', () => resolve({ status: res.statusCode, size }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function get(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.text();
}

// First page: the HTML (with the queue of 2,000 and the first unit in it), its script and style sheet, on a server
// that has just started (nothing rendered or cached yet). A new grader each round, so each starts cold.
const firstPage = [];
const starts = [];
let units = 0;
let htmlBytes = 0;
for (let round = 0; round < 5; round++) {
  let t = process.hrtime.bigint();
  const server = await startGradingServer(run, { grader: `bench-${round}`, seed: round + 1 });
  starts.push(ms(t));
  units = server.units;
  // Warm this process's HTTP client (undici loads lazily) with a refused request, so the figure is the server's.
  await fetch(`http://127.0.0.1:${server.port}/`).then((r) => r.text());
  t = process.hrtime.bigint();
  // The page carries the queue and the first unit (boot data): the browser needs the HTML, script and style sheet.
  htmlBytes = (await get(server.url)).length;
  await Promise.all([get(`${server.url}app.js`), get(`${server.url}app.css`)]);
  firstPage.push(ms(t));
  await server.close();
}

// Saves: 300 decisions in a row by one grader, each appended to grades.jsonl and fsynced before the reply.
const server = await startGradingServer(run, { grader: 'saver', seed: 7 });
const acks = [];
for (let i = 0; i < 300; i++) {
  const unit = JSON.parse(await get(`${server.url}api/unit/${i}`));
  const body = JSON.stringify({
    i,
    key: unit.key,
    items: Object.fromEntries(unit.items.map((it) => [it.id, it.points])),
    caps: [],
    comment: i % 5 === 0 ? 'checked twice' : '',
  });
  const t = process.hrtime.bigint();
  const { status, text } = await post(`${server.url}api/grade`, body);
  if (status !== 200) throw new Error(`save ${i}: ${status} ${text}`);
  acks.push(ms(t));
}
// Live refresh: every open page asks `api/queue` every 2 s with the version it has; unchanged is an empty 304.
const polls304 = [];
const polls200 = [];
const version = (await fetch(`${server.url}api/queue`)).headers.get('etag');
for (let i = 0; i < 100; i++) {
  let t = process.hrtime.bigint();
  const same = await getWith(`${server.url}api/queue`, { 'If-None-Match': version });
  polls304.push(ms(t));
  if (same.status !== 304) throw new Error(`poll: ${same.status}`);
  t = process.hrtime.bigint();
  const changed = await getWith(`${server.url}api/queue`, { 'If-None-Match': '"stale"' });
  polls200.push(ms(t));
  if (changed.status !== 200) throw new Error(`poll: ${changed.status}`);
}
agent.destroy();
await server.close();

// The floor: the same appends with fsync and nothing else (no HTTP, no rubric), on the same disk.
const floor = [];
const fd = openSync(join(work, 'floor.jsonl'), 'a');
for (let i = 0; i < 300; i++) {
  const t = process.hrtime.bigint();
  writeSync(fd, `${JSON.stringify({ i, pad: 'x'.repeat(300) })}\n`);
  fsyncSync(fd);
  floor.push(ms(t));
}
closeSync(fd);
rmSync(work, { recursive: true, force: true });

const verdict = (v, limit) =>
  v < limit ? `ok (< ${limit} ms, ${(limit / v).toFixed(1)}x margin)` : `OVER ${limit} ms`;
console.log(`run: ${units} units, ${grades.length} existing grades`);
console.log(`server start (load run, rubric, grades):  median ${median(starts).toFixed(0)} ms of 5`);
console.log(
  `first page (html of ${(htmlBytes / 1024).toFixed(0)} KB with queue and unit, js, css): median ${median(firstPage).toFixed(1)} ms of 5, max ${Math.max(...firstPage).toFixed(1)} ms  ${verdict(median(firstPage), 300)}`,
);
if (inBrowser.length) {
  console.log(
    `first page in Chromium (to the first unit): median ${median(inBrowser).toFixed(1)} ms of 5, max ${Math.max(...inBrowser).toFixed(1)} ms  ${verdict(median(inBrowser), 300)}`,
  );
  console.log(
    `  … and painted (the next frame after it):  median ${median(painted).toFixed(1)} ms of 5, max ${Math.max(...painted).toFixed(1)} ms  ${verdict(median(painted), 300)}`,
  );
  console.log(
    `floor: an empty page in the same Chromium: median ${median(emptyPage).toFixed(1)} ms (${(median(inBrowser) / median(emptyPage)).toFixed(1)}x for the grading page)`,
  );
} else console.log('first page in Chromium: skipped (no Chromium at /usr/lib/chromium/chromium)');
console.log(
  `save acknowledged (append + fsync):        median ${median(acks).toFixed(1)} ms, p95 ${pct(acks, 0.95).toFixed(1)} ms, max ${Math.max(...acks).toFixed(1)} ms of 300  ${verdict(pct(acks, 0.95), 50)}`,
);
console.log(
  `live refresh poll (api/queue, 2,000 units): unchanged (304) median ${median(polls304).toFixed(2)} ms; changed (200) median ${median(polls200).toFixed(1)} ms`,
);
console.log(
  `floor: append + fsync alone:              median ${median(floor).toFixed(1)} ms, p95 ${pct(floor, 0.95).toFixed(1)} ms (the disk's share of a save)`,
);
