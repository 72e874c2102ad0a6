// Runner throughput against a loopback OpenAI-compatible server (in its own process, so its work is not counted).
// Targets (issue 3): 300 calls at concurrency 20 with 200 ms latency take ≤ 1.3 × the ideal (300 / 20 × 200 ms = 3 s);
// per-call overhead < 2 ms. For comparison, promptfoo 0.121 took 3.2 × the ideal here (it sends in waves).
// Uses the real code path: openModel → p-limit → retries → the openai SDK, cache off; then runExam end to end.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pLimit from 'p-limit';
import { openModel } from '../dist/models/index.js';
import { runExam } from '../dist/run/runner.js';

const SERVER = `
const http = require('node:http');
let latency = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url === '/latency') { latency = Number(body); res.end('ok'); return; }
    const send = () => {
      const text = JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'The answer is \\\\boxed{42}.' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
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
const setLatency = (ms) => fetch(`http://127.0.0.1:${port}/latency`, { method: 'POST', body: String(ms) });
const env = { OPENAI_API_KEY: 'bench' };

async function calls(n, concurrency, label) {
  const model = openModel(`openai-compatible:bench-${label}`, { baseUrl: base, noCache: true, concurrency, env });
  // Warm the connection pool and the SDK import.
  await Promise.all(
    Array.from({ length: concurrency }, (_, i) => model.call({ messages: [{ role: 'user', content: `warm ${i}` }] })),
  );
  const t = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      model.call({ messages: [{ role: 'user', content: `question ${i}` }], temperature: 0.1 }),
    ),
  );
  return performance.now() - t;
}

const N = 300;
const C = 20;
const LAT = 200;
const ideal = (N / C) * LAT;

await setLatency(LAT);
const wall = await calls(N, C, 'lat');
const ratio = wall / ideal;

await setLatency(0);
const wall0 = await calls(N, C, 'zero');
const wallSeq = await calls(100, 1, 'seq');

// heldout's own share: openModel vs the bare SDK under the same p-limit, interleaved, median of 5 rounds.
const sdk = new OpenAI({ apiKey: 'bench', baseURL: base, maxRetries: 0 });
const lim = pLimit(C);
const own = openModel('openai-compatible:bench-own', { baseUrl: base, noCache: true, concurrency: C, env });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = [];
const ours = [];
for (let round = 0; round < 5; round++) {
  let t = performance.now();
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      lim(() => sdk.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `q ${i}` }] })),
    ),
  );
  bare.push((performance.now() - t) / N);
  t = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => own.call({ messages: [{ role: 'user', content: `q ${i}` }] })));
  ours.push((performance.now() - t) / N);
}

// End to end: runExam on a generated 60-question exam × 5 samples = 300 items, writing responses.jsonl.
await setLatency(LAT);
const dir = mkdtempSync(join(tmpdir(), 'heldout-bench-'));
const questions = Array.from(
  { length: 60 },
  (_, i) => `      - { id: "q${i + 1}", number: ${i + 1}, text: "What is ${i} + ${i}?", points: 1 }`,
).join('\n');
writeFileSync(
  join(dir, 'exam.yaml'),
  `id: bench\ntitle: Bench\nlanguage: en\nreleased: 2026-11-26\nparts:\n  - id: I\n    title: Part I\n    points: 60\n    questions:\n${questions}\n`,
);
const t = performance.now();
const res = await runExam({
  examDir: dir,
  models: ['openai-compatible:bench-run'],
  out: join(dir, 'run'),
  baseUrl: base,
  noCache: true,
  concurrency: C,
  env,
  params: { samples: 5 },
});
const wallRun = performance.now() - t;
rmSync(dir, { recursive: true, force: true });
child.kill();

const ok = (v, target) => (v <= target ? 'ok' : 'OVER TARGET');
const f = (ms) => `${ms.toFixed(0)} ms`;
console.log(`openModel: ${N} calls, concurrency ${C}, ${LAT} ms latency: ${f(wall)} vs ideal ${f(ideal)}`);
console.log(`  ratio to ideal            ${ratio.toFixed(3)} ×   (target ≤ 1.3)  ${ok(ratio, 1.3)}`);
console.log(
  `  overhead per call         ${((wall - ideal) / N).toFixed(2)} ms (wall − ideal) / calls (target < 2)  ${ok((wall - ideal) / N, 2)}`,
);
console.log(`openModel: ${N} calls, concurrency ${C}, 0 ms latency: ${f(wall0)}`);
console.log(
  `  client cost per call      ${(wall0 / N).toFixed(2)} ms (wall / calls, server in another process) (target < 2)  ${ok(wall0 / N, 2)}`,
);
console.log(`  sequential round trip     ${(wallSeq / 100).toFixed(2)} ms per call (concurrency 1, 0 ms latency)`);
console.log(
  `  bare openai SDK           ${median(bare).toFixed(2)} ms/call; openModel ${median(ours).toFixed(2)} ms/call → heldout's own overhead ${(median(ours) - median(bare)).toFixed(2)} ms/call (median of 5)`,
);
console.log(
  `runExam end to end: ${res.counts.answered}/${res.counts.planned} items (60 questions × 5 samples), concurrency ${C}, ${LAT} ms latency`,
);
console.log(`  wall ${f(wallRun)}, ratio to ideal ${(wallRun / ideal).toFixed(3)} ×  ${ok(wallRun / ideal, 1.3)}`);
if (res.counts.answered !== N) process.exitCode = 1;
