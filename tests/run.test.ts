import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HeldoutError } from '../src/errors.js';
import { loadExam } from '../src/exam/load.js';
import type { RunEvent } from '../src/run/events.js';
import { buildPromptItems } from '../src/run/prompt.js';
import { runExam } from '../src/run/runner.js';
import { gradeRecordSchema, responseRecordSchema } from '../src/store/records.js';
import { listRuns, loadRunManifest, loadRunResponses } from '../src/store/run.js';
import { BIN, ROOT, runCliAsync, tempDir } from './helpers/cli.js';
import { type ModelServer, promptOf, startModelServer } from './helpers/model-server.js';

const KEY = 'sk-heldout-SECRET-key-4242-do-not-leak';
const TINY = join(ROOT, 'exams/tiny');
const FINALS = join(ROOT, 'exams/heldout-finals-2026-11');
const PUBLISHED = join(ROOT, 'tests/fixtures/replay/tiny-published.csv');
const fast = { baseDelayMs: 10, maxDelayMs: 50, retryAfterCapMs: 2000 };

let server: ModelServer;
let dir: string;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  server.latencyMs = 0;
  dir = tempDir('heldout-run-');
});

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}
function allFiles(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}
const cliEnv = (extra: Record<string, string> = {}) => ({
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: server.openaiBaseUrl,
  HELDOUT_CACHE_DIR: join(dir, 'cache'),
  ...extra,
});
function inProcess(out: string, more: Partial<Parameters<typeof runExam>[0]> = {}) {
  const events: RunEvent[] = [];
  return {
    events,
    run: (extra: Partial<Parameters<typeof runExam>[0]> = {}) =>
      runExam({
        examDir: TINY,
        models: ['openai:gpt-test'],
        out,
        env: { OPENAI_API_KEY: KEY },
        baseUrl: server.openaiBaseUrl,
        cacheDir: join(dir, 'cache'),
        modelOptions: { retry: fast },
        onEvent: (e) => events.push(e),
        ...more,
        ...extra,
      }),
  };
}

describe('prompts', () => {
  const exam = loadExam(TINY).exam;

  it('asks one prompt per top-level question, sub-parts together, with the instructions', () => {
    const items = buildPromptItems(exam, { mode: 'chat', splitSubparts: false, shots: 5 });
    expect(items.map((i) => [i.questionId, i.unitIds])).toEqual([
      ['1', ['1']],
      ['2', ['2a', '2b']],
      ['3', ['3']],
    ]);
    const q2 = items[1];
    expect(q2.messages[0].role).toBe('system');
    expect(q2.messages[0].content).toContain('Show your working.');
    expect(q2.messages[1].content).toContain('Question 2 (5 points)');
    expect(q2.messages[1].content).toContain('a) A fair six-sided die');
    expect(q2.messages[1].content).toContain('b) Solve the inequality');
    // Graders' notes and reference solutions never reach the model.
    expect(JSON.stringify(items)).not.toContain('equally likely outcomes');
  });

  it('--split-subparts asks each unit with its question stem', () => {
    const items = buildPromptItems(exam, { mode: 'chat', splitSubparts: true, shots: 5 });
    expect(items.map((i) => i.questionId)).toEqual(['1', '2a', '2b', '3']);
    const b = items[2];
    expect(b.unitIds).toEqual(['2b']);
    expect(b.messages[1].content).toContain('Answer both parts.');
    expect(b.messages[1].content).toContain('b) Solve the inequality');
    expect(b.messages[1].content).not.toContain('six-sided');
    expect(b.messages[1].content).toContain('Question 2 b (3 points)');
  });

  it('templates: run templates beat the exam’s, which beat the defaults', () => {
    const withExam = { ...exam, prompts: { user: 'EXAM {{question.number}}: {{question.text}}', system: '' } };
    const a = buildPromptItems(withExam, { mode: 'chat', splitSubparts: false, shots: 5 });
    expect(a[0].messages).toEqual([
      { role: 'user', content: 'EXAM 1: Solve the equation $3x - 7 = 11$ on the set of real numbers.' },
    ]);
    const b = buildPromptItems(withExam, {
      mode: 'chat',
      splitSubparts: false,
      shots: 5,
      systemTemplate: 'You sit {{exam.title}}. {{instructions}}',
      userTemplate: 'RUN {{question.id}} <{{question.text}}>',
    });
    expect(b[0].messages[0].content).toMatch(/^You sit A tiny exam\. Show your working/);
    // No HTML escaping of maths.
    expect(b[2].messages[1].content).toContain('A \\cap B');
    expect(b[2].messages[1].content).toMatch(/^RUN 3 </);
  });

  it('completion mode builds a k-shot prompt from the other questions’ reference solutions', () => {
    const items = buildPromptItems(exam, { mode: 'completion', splitSubparts: false, shots: 1 });
    const p = items[0].prompt!;
    expect(items[0].messages).toEqual([]);
    expect(p.startsWith('Show your working.')).toBe(true);
    expect(p.match(/^Question: /gm)).toHaveLength(2);
    expect(p).toContain('a) There are $6$ equally likely outcomes'); // question 2's sub-part references
    expect(p).not.toContain('Divide by $3$'); // its own reference is never shown
    expect(p.endsWith('Question: Solve the equation $3x - 7 = 11$ on the set of real numbers.\nAnswer:')).toBe(true);
    const q2 = buildPromptItems(exam, { mode: 'completion', splitSubparts: false, shots: 5 })[1].prompt!;
    expect(q2.match(/^Question: /gm)).toHaveLength(3); // only 2 other questions exist
    expect(q2).not.toContain('equally likely');
  });
});

describe('runExam against a loopback server', () => {
  it('records an error on its item and goes on; --retry-failed supersedes it', async () => {
    const out = join(dir, 'r1');
    server.defaultBehaviour = { kind: 'ok' };
    const r = inProcess(out, { modelOptions: { retry: fast, maxRetries: 1 } });
    const failQ2 = (req: Parameters<typeof promptOf>[0]) =>
      promptOf(req).includes('Answer both parts') ? ({ kind: 'status', status: 500 } as const) : undefined;
    const s2 = await startModelServer({ script: failQ2 });
    try {
      const res = await r.run({ baseUrl: s2.openaiBaseUrl });
      expect(res.counts).toEqual({ planned: 3, answered: 2, failed: 1, missing: 0 });
      expect(res.manifest.status).toBe('incomplete');
      expect(s2.count).toBe(4); // q2 tried twice
      const failed = loadRunResponses(out).find((x) => x.questionId === '2')!;
      expect(failed.error).toMatchObject({ kind: 'http', status: 500 });
      expect(failed.unitIds).toEqual(['2a', '2b']);
      expect(failed.timing?.attempts).toBe(2);

      // Plain --resume leaves failures alone; --retry-failed redoes only them.
      const again = await r.run({ resume: true, baseUrl: s2.openaiBaseUrl });
      expect(again.todo).toBe(0);
      const retried = await r.run({ retryFailed: true, baseUrl: server.openaiBaseUrl });
      expect(retried.todo).toBe(1);
      expect(server.count).toBe(1);
      expect(retried.counts).toEqual({ planned: 3, answered: 3, failed: 0, missing: 0 });
      expect(lines(join(out, 'responses.jsonl'))).toHaveLength(4);
      const latest = loadRunResponses(out);
      expect(latest).toHaveLength(3);
      expect(latest.every((x) => x.text)).toBe(true);
      const m = loadRunManifest(out);
      expect(m.status).toBe('complete');
      expect(m.sessions.map((s) => s.resumed)).toEqual([false, true, true]);
    } finally {
      await s2.close();
    }
  });

  it('writes a manifest with exam hash, parameters and tool version; records carry usage, timing and the prompt', async () => {
    const out = join(dir, 'r2');
    await inProcess(out).run({ params: { samples: 2, seed: 10, maxTokens: 300 } });
    const m = loadRunManifest(out);
    expect(m.exam.id).toBe('tiny');
    expect(m.examHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(m.params).toMatchObject({ temperature: 0.1, samples: 2, seed: 10, maxTokens: 300, mode: 'chat' });
    expect(m.toolVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.models).toEqual([
      { spec: 'openai:gpt-test', provider: 'openai', model: 'gpt-test', baseUrl: server.openaiBaseUrl, mode: 'chat' },
    ]);
    expect(m.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(m.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(m.startedAt));
    const recs = lines(join(out, 'responses.jsonl')).map((l) => responseRecordSchema.parse(JSON.parse(l)));
    expect(recs).toHaveLength(6);
    expect(recs.map((r) => r.id).sort()).toEqual(
      ['1', '2', '3'].flatMap((q) => [0, 1].map((s) => `openai:gpt-test|${q}|${s}`)).sort(),
    );
    const r0 = recs.find((r) => r.sample === 1)!;
    expect(r0.usage?.inputTokens).toBeGreaterThan(0);
    expect(r0.timing?.ms).toBeGreaterThanOrEqual(0);
    expect(r0.messages?.[1].role).toBe('user');
    expect(r0.params).toEqual({ temperature: 0.1, maxTokens: 300, seed: 11 });
    const seeds = server.requests.map((q) => q.body?.seed).sort();
    expect(seeds).toEqual([10, 10, 10, 11, 11, 11]);
  });

  it('repairs a torn last line on resume, reports it, and never duplicates a record', async () => {
    const out = join(dir, 'r3');
    const r = inProcess(out);
    await r.run({ noCache: true });
    const file = join(out, 'responses.jsonl');
    const [first, second] = lines(file);
    writeFileSync(file, `${first}\n${second.slice(0, 40)}`); // killed mid-write of the second record
    server.reset();
    await r.run({ resume: true, noCache: true });
    expect(r.events.find((e) => e.type === 'repaired')).toMatchObject({ line: 2, kept: 1 });
    expect(server.count).toBe(2);
    const recs = lines(file).map((l) => JSON.parse(l));
    expect(recs).toHaveLength(3);
    expect(new Set(recs.map((x) => x.id)).size).toBe(3);
  });

  it('--resume with another --model adds it to the run and asks only it', async () => {
    const out = join(dir, 'add');
    const r = inProcess(out);
    await r.run();
    server.reset();
    const res = await r.run({ resume: true, models: ['openai:gpt-other'] });
    expect(res.todo).toBe(3);
    expect(server.requests.every((q) => q.body?.model === 'gpt-other')).toBe(true);
    expect(loadRunManifest(out).models.map((m) => m.spec)).toEqual(['openai:gpt-test', 'openai:gpt-other']);
    expect(res.counts).toEqual({ planned: 6, answered: 6, failed: 0, missing: 0 });
  });

  it('refuses to resume when the exam changed', async () => {
    const exam = join(dir, 'exam');
    cpSync(TINY, exam, { recursive: true });
    const out = join(dir, 'r4');
    await inProcess(out).run({ examDir: exam });
    const file = join(exam, 'exam.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('$3x - 7 = 11$', '$3x - 7 = 14$'));
    const err = await inProcess(out)
      .run({ examDir: undefined, resume: true })
      .catch((e) => e);
    expect(err).toBeInstanceOf(HeldoutError);
    expect(err.message).toContain('exam changed');
  });

  it('imports a published CSV (chat template, LaTeX variants, CRLF) with points as human grades', async () => {
    expect(readFileSync(PUBLISHED, 'utf8')).toContain('\r\n');
    const out = join(dir, 'r5');
    const r = inProcess(out);
    const spec = `replay:${PUBLISHED}`;
    const res = await r.run({ models: [spec], params: { pointsColumn: 'Points', grader: 'Ann Marker' } });
    expect(server.count).toBe(0); // replay makes no calls
    expect(res.counts).toEqual({ planned: 3, answered: 2, failed: 0, missing: 1 });
    const recs = loadRunResponses(out);
    const byQ = Object.fromEntries(recs.map((x) => [x.questionId, x]));
    expect(byQ['1'].text).toBe('Add 7: $3x = 18$.\nSo $x = \\boxed{6}$.');
    expect(byQ['2'].text).toContain('\\dfrac{1}{3}');
    expect(byQ['3']).toMatchObject({ text: '', finishReason: 'missing' });
    for (const x of recs) expect(x.text).not.toContain('\r');

    const csvLines = readFileSync(PUBLISHED, 'utf8').split('\r\n');
    const parisRow = csvLines.findIndex((l) => l.includes('capital of France')); // 0-based index of the 2nd line
    const warnings = r.events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
    expect(warnings).toContain(
      `tests/fixtures/replay/tiny-published.csv:${parisRow}: row not used: its question text matches no question of the exam`,
    );
    expect(warnings.some((w) => w.includes('no answer to question(s) 3'))).toBe(true);

    const grades = lines(join(out, 'grades.jsonl')).map((l) => gradeRecordSchema.parse(JSON.parse(l)));
    expect(grades.map((g) => [g.responseId, g.unitId, g.total, g.maxPoints])).toEqual([
      [`${spec}|1|0`, '1', 2, 2],
      [`${spec}|2|0`, '2a', 2, 2],
      [`${spec}|2|0`, '2b', 2, 3],
    ]);
    expect(grades[0].grader).toEqual({ kind: 'human', id: 'Ann Marker' });
    expect(grades[1].note).toContain('4/5 for the whole question');

    // Resuming imports nothing twice.
    await r.run({ models: [], resume: true });
    expect(lines(join(out, 'grades.jsonl'))).toHaveLength(3);
  });

  it('a config model with mode: completion gets the k-shot prompt inside a chat run', async () => {
    const out = join(dir, 'mixed');
    const config = {
      models: { base: { spec: 'vllm:base-7b', baseUrl: server.openaiBaseUrl, mode: 'completion' as const } },
      raw: {},
    };
    const res = await inProcess(out).run({
      models: ['openai:gpt-test', 'base'],
      config,
      baseUrl: undefined,
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.openaiBaseUrl },
    });
    expect(res.counts.answered).toBe(6);
    const paths = server.requests.map((q) => q.path).sort();
    expect(paths).toEqual([...Array(3).fill('/v1/chat/completions'), ...Array(3).fill('/v1/completions')]);
    expect(loadRunManifest(out).models.map((m) => [m.spec, m.mode])).toEqual([
      ['openai:gpt-test', 'chat'],
      ['base', 'completion'],
    ]);
    const recs = loadRunResponses(out);
    expect(recs.filter((x) => x.model === 'base').every((x) => x.prompt?.endsWith('Answer:'))).toBe(true);
  });

  it('matches by id and by the unit id of a one-unit question; reports unknown ids with their line', async () => {
    const sheet = join(dir, 'answers.jsonl');
    writeFileSync(
      sheet,
      [
        JSON.stringify({ id: '1', answer: 'six' }),
        JSON.stringify({ questionId: 2, answer: 'both' }),
        JSON.stringify({ id: '99', answer: 'lost' }),
      ].join('\n'),
    );
    const out = join(dir, 'r6');
    const r = inProcess(out);
    await r.run({ models: [`replay:${sheet}`] });
    const byQ = Object.fromEntries(loadRunResponses(out).map((x) => [x.questionId, x.text]));
    expect(byQ).toEqual({ '1': 'six', '2': 'both', '3': '' });
    const warn = r.events.find((e) => e.type === 'warning' && e.message.includes('99')) as { message: string };
    expect(warn.message).toMatch(/answers\.jsonl:3: row not used: no question with id "99"/);
  });
});

describe('heldout run (the real CLI)', () => {
  it('runs the demo replay command', async () => {
    const out = join(dir, 'demo');
    const r = await runCliAsync([
      'run',
      'exams/heldout-finals-2026-11',
      '--model',
      'replay:examples/answers/strong.jsonl',
      '--model',
      'replay:examples/answers/weak.jsonl',
      '--model',
      'replay:examples/answers/adversarial.jsonl',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const questions = loadExam(FINALS).exam.parts.reduce((s, p) => s + p.questions.length, 0);
    expect(lines(join(out, 'responses.jsonl'))).toHaveLength(3 * questions);
    expect(r.stdout).toMatch(/replay:examples\/answers\/strong\.jsonl\s+\d+\s+0/);
  });

  it('a second identical run makes zero HTTP requests (cache), and the key is in no file', async () => {
    const a = await runCliAsync(['run', TINY, '--model', 'openai:gpt-test', '--out', join(dir, 'a')], {
      env: cliEnv(),
    });
    expect(a.code).toBe(0);
    expect(server.count).toBe(3);
    const b = await runCliAsync(['run', TINY, '--model', 'openai:gpt-test', '--out', join(dir, 'b')], {
      env: cliEnv(),
    });
    expect(b.code).toBe(0);
    expect(server.count).toBe(3);
    expect(b.stdout).toMatch(/openai:gpt-test\s+3\s+0\s+0\s+3/);
    const c = await runCliAsync(['run', TINY, '--model', 'openai:gpt-test', '--out', join(dir, 'c'), '--no-cache'], {
      env: cliEnv(),
    });
    expect(c.code).toBe(0);
    expect(server.count).toBe(6);
    // A 401 that echoes the key: recorded as an error, key redacted.
    server.enqueue({ kind: 'status', status: 401, body: { error: { message: `bad key ${KEY}` } } });
    const d = await runCliAsync(
      ['run', TINY, '--model', 'openai:gpt-test', '--out', join(dir, 'd'), '--no-cache', '--concurrency', '1'],
      { env: cliEnv() },
    );
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('--retry-failed');
    const files = [...allFiles(dir)];
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toContain(KEY);
    for (const x of [a, b, c, d]) expect(x.stdout + x.stderr).not.toContain(KEY);
    expect(readFileSync(join(dir, 'd', 'responses.jsonl'), 'utf8')).toContain('[redacted]');
  });

  it('SIGKILL mid-run, then --resume: exact record count, no duplicates', async () => {
    server.latencyMs = 120;
    const out = join(dir, 'killed');
    const args = [
      'run',
      TINY,
      '--model',
      'openai:gpt-test',
      '--out',
      out,
      '--samples',
      '8',
      '--concurrency',
      '2',
      '--no-cache',
    ];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...cliEnv() } });
    const file = join(out, 'responses.jsonl');
    await new Promise<void>((res, rej) => {
      const t = setInterval(() => {
        if (lines(file).length >= 6) {
          clearInterval(t);
          child.kill('SIGKILL');
          res();
        }
      }, 10);
      child.on('exit', () => {
        clearInterval(t);
        rej(new Error('the run finished before it could be killed'));
      });
    });
    await new Promise((res) => child.on('close', res));
    const before = lines(file).length;
    expect(before).toBeLessThan(24);
    const r = await runCliAsync(['run', '--resume', out, '--no-cache'], { env: cliEnv() });
    expect(r.code).toBe(0);
    const recs = lines(file).map((l) => JSON.parse(l));
    expect(recs).toHaveLength(24);
    expect(new Set(recs.map((x) => x.id)).size).toBe(24);
    // At most the two in-flight calls were lost and redone.
    expect(server.count).toBeLessThanOrEqual(24 + 2);
    expect(loadRunManifest(out).status).toBe('complete');
  });

  it('Ctrl-C stops scheduling, saves, prints how to resume and exits 130', async () => {
    server.latencyMs = 100;
    const out = join(dir, 'sigint');
    const args = [
      'run',
      TINY,
      '--model',
      'openai:gpt-test',
      '--out',
      out,
      '--samples',
      '10',
      '--concurrency',
      '2',
      '--no-cache',
    ];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...cliEnv() } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const file = join(out, 'responses.jsonl');
    const t = setInterval(() => {
      if (lines(file).length >= 4) {
        clearInterval(t);
        child.kill('SIGINT');
      }
    }, 10);
    const code = await new Promise<number | null>((res) => child.on('close', res));
    clearInterval(t);
    expect(code).toBe(130);
    expect(stderr).toContain(`heldout run --resume`);
    const kept = lines(file).length;
    expect(kept).toBeLessThan(30);
    expect(loadRunManifest(out).status).toBe('interrupted');
    const r = await runCliAsync(['run', '--resume', out, '--no-cache'], { env: cliEnv() });
    expect(r.code).toBe(0);
    const recs = lines(file).map((l) => JSON.parse(l));
    expect(recs).toHaveLength(30);
    expect(new Set(recs.map((x) => x.id)).size).toBe(30);
  });

  it('anthropic through the real SDK, base URL from ANTHROPIC_BASE_URL', async () => {
    const out = join(dir, 'anth');
    const r = await runCliAsync(
      ['run', TINY, '--model', 'anthropic:claude-test', '--out', out, '--max-tokens', '500'],
      {
        env: cliEnv({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.anthropicBaseUrl }),
      },
    );
    expect(r.stderr).toBe(r.stderr.replace('error', ''));
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual(['/v1/messages', '/v1/messages', '/v1/messages']);
    expect(server.requests[0].body?.system).toContain('A tiny exam');
    expect(server.requests[0].body?.max_tokens).toBe(500);
    expect(loadRunResponses(out).every((x) => x.text === 'The answer is \\boxed{42}.')).toBe(true);
  });

  it('completion mode for a base model on an openai-compatible server', async () => {
    const out = join(dir, 'base');
    const r = await runCliAsync(
      [
        'run',
        TINY,
        '--model',
        'vllm:base-7b',
        '--base-url',
        server.openaiBaseUrl,
        '--mode',
        'completion',
        '--shots',
        '2',
        '--out',
        out,
      ],
      { env: cliEnv() },
    );
    expect(r.code).toBe(0);
    expect(server.requests.every((q) => q.path === '/v1/completions')).toBe(true);
    expect(server.requests[0].headers.authorization).not.toContain(KEY); // never send the OpenAI key elsewhere
    const rec = loadRunResponses(out)[0];
    expect(rec.prompt).toMatch(/Question: [\s\S]*\nAnswer:$/);
    expect(rec.messages).toBeUndefined();
    expect(loadRunManifest(out).params.mode).toBe('completion');
  });

  it('reads named models and run defaults from heldout.config.yaml; estimates cost; runs list shows the runs', async () => {
    writeFileSync(
      join(dir, 'heldout.config.yaml'),
      `models:\n  cheap:\n    spec: openai:gpt-cheap\n    prices: { input: 1000000, output: 0 }\nrun:\n  temperature: 0.5\n`,
    );
    const r = await runCliAsync(['run', TINY, '--model', 'cheap', '--out', 'runs/one'], { cwd: dir, env: cliEnv() });
    expect(r.code).toBe(0);
    expect(server.requests.every((q) => q.body?.temperature === 0.5 && q.body?.model === 'gpt-cheap')).toBe(true);
    const tokensIn = loadRunResponses(join(dir, 'runs/one')).reduce((s, x) => s + (x.usage?.inputTokens ?? 0), 0);
    expect(r.stdout).toContain(`$${tokensIn.toFixed(2)}`);
    const flag = await runCliAsync(['run', TINY, '--model', 'cheap', '--out', 'runs/two', '--temperature', '0'], {
      cwd: dir,
      env: cliEnv(),
    });
    expect(flag.code).toBe(0);
    expect(server.requests.at(-1)?.body?.temperature).toBe(0);

    const list = await runCliAsync(['runs', 'list'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/one\s+tiny\s+cheap\s+3\/3\s+0/);
    expect(list.stdout).toContain('two');
    expect(listRuns(join(dir, 'runs'))).toHaveLength(2);

    writeFileSync(join(dir, 'heldout.config.yaml'), `run:\n  temprature: 0.5\n`);
    const bad = await runCliAsync(['run', TINY, '--model', 'openai:x', '--out', 'runs/three'], {
      cwd: dir,
      env: cliEnv(),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/heldout\.config\.yaml:2:\d+: .*unknown field "temprature"/);
  });

  it('names the missing key variable and refuses to overwrite a run', async () => {
    const r = await runCliAsync(['run', TINY, '--model', 'anthropic:c', '--out', join(dir, 'x')], {
      env: { ANTHROPIC_API_KEY: '' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ANTHROPIC_API_KEY');
    const ok = await runCliAsync(['run', TINY, '--model', `replay:${PUBLISHED}`, '--out', join(dir, 'y')]);
    expect(ok.code).toBe(0);
    const again = await runCliAsync(['run', TINY, '--model', `replay:${PUBLISHED}`, '--out', join(dir, 'y')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--resume');
  });

  it('a missing replay sheet leaves no run directory behind, so the corrected command just works', async () => {
    const out = join(dir, 'no-sheet');
    const bad = await runCliAsync(['run', TINY, '--model', `replay:${join(dir, 'nope.jsonl')}`, '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('nope.jsonl: file not found');
    expect(existsSync(out)).toBe(false);
    const ok = await runCliAsync(['run', TINY, '--model', `replay:${PUBLISHED}`, '--out', out]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
