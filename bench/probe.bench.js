// Memorisation probe throughput against a loopback OpenAI-compatible server (in its own process, so its work is not
// counted). Target (issue 15): the probe's own overhead keeps 300 calls at concurrency 20 with 200 ms latency within
// 1.3 × the ideal (300 / 20 × 200 ms = 3 s). Measured end to end: runProbes loads a generated GSM8K-format benchmark
// (our own sentences, no benchmark text), samples, plans, calls through openModel (cache off), scores every answer and
// appends probes.jsonl; then the same with Min-K% (echo + logprobs on /v1/completions).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProbes } from '../dist/probe/run-probe.js';
import { runExam } from '../dist/run/runner.js';

const SERVER = `
const http = require('node:http');
let latency = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url === '/latency') { latency = Number(body); res.end('ok'); return; }
    const b = JSON.parse(body);
    let value;
    if (req.url.endsWith('/chat/completions')) {
      value = { id: 'x', object: 'chat.completion', created: 0, model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'and then she sold the rest of them at the market for two dollars each' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 80, completion_tokens: 15, total_tokens: 95 } };
    } else {
      const words = String(b.prompt).split(/(?<=\\s)/);
      let off = 0;
      const offsets = words.map((w) => { const o = off; off += w.length; return o; });
      value = { id: 'x', object: 'text_completion', created: 0, model: 'm',
        choices: [{ index: 0, text: b.prompt + ' x', finish_reason: 'length', logprobs: {
          tokens: [...words, ' x'], text_offset: [...offsets, off],
          token_logprobs: [null, ...words.map((_, i) => -1 - (i % 7) / 3)],
          top_logprobs: [null, ...words.map((w, i) => ({ [words[i + 1] ?? ' x']: -1, a: -2, b: -3 }))] } }],
        usage: { prompt_tokens: words.length, completion_tokens: 1, total_tokens: words.length + 1 } };
    }
    const send = () => {
      const text = JSON.stringify(value);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (latency > 0) setTimeout(send, latency); else send();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((res) => child.stdout.once('data', (d) => res(Number(String(d).trim()))));
const base = `http://127.0.0.1:${port}/v1`;
await fetch(`http://127.0.0.1:${port}/latency`, { method: 'POST', body: '200' });

const C = 20;
const LAT = 200;
const FINALS = join(fileURLToPath(new URL('..', import.meta.url)), 'exams/heldout-finals-2026-11');
const dir = mkdtempSync(join(tmpdir(), 'heldout-probe-bench-'));
const names = ['Ann', 'Bela', 'Chen', 'Dora', 'Emil', 'Fatima', 'Gus'];
const things = ['apples', 'stamps', 'marbles', 'pencils', 'tickets'];
const lines = Array.from({ length: 2000 }, (_, i) => {
  const q = `${names[i % 7]} has ${i + 3} ${things[i % 5]} in a box. ${names[(i + 2) % 7]} gives ${names[i % 7]} ${(i % 9) + 2} more and then takes back ${(i % 4) + 1} of them. How many ${things[i % 5]} are in the box now?`;
  return JSON.stringify({ question: q, answer: `#### ${i + 3 + ((i % 9) + 2) - ((i % 4) + 1)}` });
});
writeFileSync(join(dir, 'test.jsonl'), `${lines.join('\n')}\n`);

async function probe(label, probes, n) {
  const t = performance.now();
  let started = 0;
  let last = 0;
  const r = await runProbes({
    onEvent: (e) => {
      if (e.type === 'start') started = performance.now();
      if (e.type === 'item') last = performance.now();
    },
    out: join(dir, label),
    models: [`openai-compatible:bench-${label}`],
    baseUrl: base,
    benches: [`synthetic=${join(dir, 'test.jsonl')}`],
    control: FINALS,
    n,
    probes,
    noCache: true,
    concurrency: C,
    env: { OPENAI_API_KEY: 'bench' },
    itemCacheDir: false,
  });
  const end = performance.now();
  return {
    wall: end - t,
    setup: started - t,
    calls: r.planned,
    failed: r.failed,
    calling: last - started,
    tail: end - last,
  };
}

// Warm the SDK import and the connection pool once (both runs pay the same benchmark loading and planning).
await probe('warm', ['guided'], 2);
// The same 300 calls through `heldout run` (60 questions × 5 samples), on the same server and machine: when the
// machine is loaded and both miss the target, this shows what is the probe's own doing.
const questions = Array.from(
  { length: 60 },
  (_, i) => `      - { id: "q${i + 1}", number: ${i + 1}, text: "What is ${i} + ${i}?", points: 1 }`,
).join('\n');
writeFileSync(
  join(dir, 'exam.yaml'),
  `id: bench\ntitle: Bench\nlanguage: en\nreleased: 2026-11-26\nparts:\n  - id: I\n    title: Part I\n    points: 60\n    questions:\n${questions}\n`,
);
async function runBaseline(round) {
  const t = performance.now();
  await runExam({
    examDir: dir,
    models: [`openai-compatible:bench-run${round}`],
    out: join(dir, `run${round}`),
    baseUrl: base,
    noCache: true,
    concurrency: C,
    env: { OPENAI_API_KEY: 'bench' },
    params: { samples: 5 },
  });
  return performance.now() - t;
}

// Rounds interleave the three, and each keeps its best: on a shared machine the best round is the least disturbed.
const ROUNDS = 3;
let guided;
let mink;
let runWall = Number.POSITIVE_INFINITY;
for (let round = 0; round < ROUNDS; round++) {
  // Guided: 132 items × 2 instructions + 18 control questions × 2 = 300 calls.
  const g = await probe(`guided${round}`, ['guided'], 132);
  // Min-K%: 282 items + 18 control questions = 300 completions with logprobs.
  const m = await probe(`mink${round}`, ['min-k'], 282);
  runWall = Math.min(runWall, await runBaseline(round));
  if (!guided || g.wall < guided.wall) guided = g;
  if (!mink || m.wall < mink.wall) mink = m;
}
rmSync(dir, { recursive: true, force: true });
child.kill();

const ok = (v) => (v <= 1.3 ? 'ok' : 'OVER TARGET');
for (const [name, m] of [
  ['guided completion', guided],
  ['Min-K% (logprobs)', mink],
]) {
  const ideal = (m.calls / C) * LAT;
  const ratio = m.wall / ideal;
  console.log(
    `runProbes ${name} (best of ${ROUNDS}): ${m.calls} calls, concurrency ${C}, ${LAT} ms latency: ${m.wall.toFixed(0)} ms vs ideal ${ideal.toFixed(0)} ms`,
  );
  console.log(`  ratio to ideal            ${ratio.toFixed(3)} ×   (target ≤ 1.3)  ${ok(ratio)}`);
  console.log(
    `  load + sample + plan ${m.setup.toFixed(0)} ms, calls ${m.calling.toFixed(0)} ms (${(m.calling / ideal).toFixed(3)} × ideal), analysis ${m.tail.toFixed(0)} ms`,
  );
  console.log(`  against heldout run's 300 calls now (${runWall.toFixed(0)} ms): ${(m.wall / runWall).toFixed(3)} ×`);
  if (m.failed || m.calls !== 300) process.exitCode = 1;
}
console.log(
  `runExam, same 300 calls (best of ${ROUNDS}): ratio to ideal ${(runWall / ((300 / C) * LAT)).toFixed(3)} ×`,
);
