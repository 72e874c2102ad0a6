import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HeldoutError } from '../src/errors.js';
import { ModelCallError, type OpenModelOptions, openModel, resolveModelSpec } from '../src/models/index.js';
import { normaliseQuestionText, stripChatTemplate } from '../src/models/replay.js';
import { parseRetryAfter, retryDelay } from '../src/models/retry.js';
import { type ModelServer, startModelServer } from './helpers/model-server.js';

const KEY = 'sk-test-ZZ9-plural-z-alpha-7731';
let server: ModelServer;
let cacheDir: string;

beforeAll(async () => {
  server = await startModelServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  server.latencyMs = 0;
  cacheDir = mkdtempSync(join(tmpdir(), 'heldout-cache-'));
});

const fast = { baseDelayMs: 20, maxDelayMs: 100, retryAfterCapMs: 5000 };
function oa(opts: OpenModelOptions = {}) {
  return openModel('openai:gpt-test', {
    baseUrl: server.openaiBaseUrl,
    env: { OPENAI_API_KEY: KEY },
    noCache: true,
    retry: fast,
    ...opts,
  });
}
const ask = (content = 'What is 6 times 7?') => ({ messages: [{ role: 'user' as const, content }] });

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

describe('openai path (real SDK on loopback)', () => {
  it('sends the messages and sampling parameters, and returns text and usage', async () => {
    const c = await oa().call({ ...ask(), temperature: 0.1, maxTokens: 64, seed: 7 });
    expect(c.text).toBe('The answer is \\boxed{42}.');
    expect(c.cached).toBe(false);
    expect(c.attempts).toBe(1);
    // The loopback server counts words as output tokens: 'The answer is \\boxed{42}.' is 4.
    expect(c.usage?.outputTokens).toBe(4);
    const [req] = server.requests;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.body?.messages).toEqual([{ role: 'user', content: 'What is 6 times 7?' }]);
    expect(req.body?.temperature).toBe(0.1);
    expect(req.body?.max_completion_tokens).toBe(64);
    expect(req.body?.seed).toBe(7);
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('compatible servers get max_tokens and a JSON response_format when asked', async () => {
    const m = openModel('vllm:qwen', { baseUrl: server.openaiBaseUrl, noCache: true, env: {} });
    await m.call({ ...ask(), maxTokens: 10, json: true });
    expect(server.requests[0].body?.max_tokens).toBe(10);
    expect(server.requests[0].body?.response_format).toEqual({ type: 'json_object' });
  });

  it('429 with Retry-After waits that long, then succeeds', async () => {
    server.enqueue({ kind: 'status', status: 429, retryAfter: 1 });
    const t = performance.now();
    const c = await oa().call(ask());
    const ms = performance.now() - t;
    expect(c.attempts).toBe(2);
    expect(server.count).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(3000);
  });

  it('caps a long Retry-After', async () => {
    server.enqueue({ kind: 'status', status: 429, retryAfter: 3600 });
    const t = performance.now();
    const c = await oa({ retry: { ...fast, retryAfterCapMs: 300 } }).call(ask());
    expect(c.attempts).toBe(2);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('retries a 500 and gives up after maxRetries with an http error', async () => {
    server.enqueue({ kind: 'status', status: 500 });
    expect((await oa().call(ask())).attempts).toBe(2);
    server.reset();
    server.enqueue(...Array(5).fill({ kind: 'status', status: 503 }));
    const err = await oa({ maxRetries: 2 })
      .call(ask())
      .catch((e) => e);
    expect(err).toBeInstanceOf(ModelCallError);
    expect(err.kind).toBe('http');
    expect(err.status).toBe(503);
    expect(err.attempts).toBe(3);
    expect(server.count).toBe(3);
  });

  it('times out a hung connection, and retries it', async () => {
    server.enqueue({ kind: 'hang' });
    const err = await oa({ timeoutMs: 300, maxRetries: 0 })
      .call(ask())
      .catch((e) => e);
    expect(err).toBeInstanceOf(ModelCallError);
    expect(err.kind).toBe('timeout');
    server.reset();
    server.enqueue({ kind: 'hang' });
    const c = await oa({ timeoutMs: 300, maxRetries: 1 }).call(ask());
    expect(c.attempts).toBe(2);
  });

  it('reports a malformed JSON body as malformed, and retries it', async () => {
    server.enqueue({ kind: 'malformed' });
    const err = await oa({ maxRetries: 0 })
      .call(ask())
      .catch((e) => e);
    expect(err.kind).toBe('malformed');
    server.enqueue({ kind: 'malformed' });
    expect((await oa().call(ask())).attempts).toBe(2);
  });

  it('reports an empty choice list as empty', async () => {
    server.enqueue({ kind: 'empty' });
    const err = await oa({ maxRetries: 0 })
      .call(ask())
      .catch((e) => e);
    expect(err.kind).toBe('empty');
  });

  it('reports a content-filter refusal and does not retry it', async () => {
    server.enqueue({ kind: 'refusal' });
    const err = await oa()
      .call(ask())
      .catch((e) => e);
    expect(err.kind).toBe('refusal');
    expect(err.retryable).toBe(false);
    expect(server.count).toBe(1);
  });

  it('401 is an auth error, not retried, and the key is redacted from the message', async () => {
    server.enqueue({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } });
    const err = await oa()
      .call(ask())
      .catch((e) => e);
    expect(err.kind).toBe('auth');
    expect(server.count).toBe(1);
    expect(err.message).not.toContain(KEY);
    expect(err.message).toContain('[redacted]');
  });

  it('completion mode posts a raw prompt to /v1/completions', async () => {
    const m = openModel('vllm:base-model', { baseUrl: server.openaiBaseUrl, noCache: true, env: {} });
    const c = await m.call({ messages: [], prompt: 'Question: 1+1?\nAnswer:', maxTokens: 5, temperature: 0 });
    expect(c.text).toContain('42');
    expect(server.requests[0].path).toBe('/v1/completions');
    expect(server.requests[0].body?.prompt).toBe('Question: 1+1?\nAnswer:');
    expect(server.requests[0].body?.max_tokens).toBe(5);
  });

  it('an abort signal cancels an in-flight call', async () => {
    server.enqueue({ kind: 'hang' });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const err = await oa({ timeoutMs: 10_000 })
      .call(ask(), ctl.signal)
      .catch((e) => e);
    expect(err.kind).toBe('aborted');
  });

  it('limits concurrency per provider and refills slots', async () => {
    server.latencyMs = 80;
    const m = oa({ concurrency: 3 });
    await Promise.all(Array.from({ length: 9 }, (_, i) => m.call(ask(`q${i}`))));
    expect(server.maxInFlight).toBe(3);
    expect(server.count).toBe(9);
  });
});

describe('anthropic path (real SDK on loopback)', () => {
  const an = (opts: OpenModelOptions = {}) =>
    openModel('anthropic:claude-test', {
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.anthropicBaseUrl },
      noCache: true,
      retry: fast,
      ...opts,
    });

  it('sends system separately, reads text and usage; base URL from ANTHROPIC_BASE_URL', async () => {
    const c = await an().call({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi?' },
      ],
      temperature: 0.1,
      maxTokens: 100,
    });
    expect(c.text).toBe('The answer is \\boxed{42}.');
    expect(c.usage?.inputTokens).toBeGreaterThan(0);
    const [req] = server.requests;
    expect(req.path).toBe('/v1/messages');
    expect(req.body?.system).toBe('Be brief.');
    expect(req.body?.messages).toEqual([{ role: 'user', content: 'Hi?' }]);
    expect(req.body?.max_tokens).toBe(100);
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    expect([req.headers['x-api-key'], req.headers.authorization]).toContain(
      req.headers['x-api-key'] ? KEY : `Bearer ${KEY}`,
    );
  });

  it('retries 429 and reports a refusal', async () => {
    server.enqueue({ kind: 'status', status: 429, retryAfter: 0 }, { kind: 'ok', text: 'fine' });
    expect((await an().call(ask())).text).toBe('fine');
    server.enqueue({ kind: 'refusal' });
    const err = await an()
      .call(ask())
      .catch((e) => e);
    expect(err.kind).toBe('refusal');
  });
});

describe('response cache', () => {
  it('a second identical call makes no HTTP request; samples and parameters are separate entries', async () => {
    const m = oa({ noCache: false, cacheDir });
    const first = await m.call({ ...ask(), temperature: 0.1 });
    expect(first.cached).toBe(false);
    const again = await oa({ noCache: false, cacheDir }).call({ ...ask(), temperature: 0.1 });
    expect(again).toMatchObject({ text: first.text, cached: true, attempts: 0 });
    expect(server.count).toBe(1);
    await m.call({ ...ask(), temperature: 0.1, sample: 1 });
    await m.call({ ...ask(), temperature: 0.2 });
    expect(server.count).toBe(3);
  });

  it('never caches errors; --no-cache bypasses it', async () => {
    server.enqueue({ kind: 'refusal' });
    const m = oa({ noCache: false, cacheDir });
    await expect(m.call(ask())).rejects.toThrow();
    await m.call(ask());
    expect(server.count).toBe(2);
    await oa({ noCache: true, cacheDir }).call(ask());
    expect(server.count).toBe(3);
  });

  it('honours HELDOUT_CACHE_DIR and never writes the key', async () => {
    const m = openModel('openai:gpt-test', {
      baseUrl: server.openaiBaseUrl,
      env: { OPENAI_API_KEY: KEY, HELDOUT_CACHE_DIR: cacheDir },
    });
    await m.call(ask());
    const files = allFiles(cacheDir);
    expect(files.length).toBe(1);
    for (const f of files) expect(readFileSync(f, 'utf8')).not.toContain(KEY);
  });
});

describe('model specs and keys', () => {
  it('resolves providers, defaults and config names', () => {
    expect(resolveModelSpec('ollama:llama3.1:8b')).toMatchObject({
      provider: 'ollama',
      model: 'llama3.1:8b',
      baseUrl: 'http://localhost:11434/v1',
      apiKeyEnv: undefined,
    });
    expect(resolveModelSpec('xai:grok-4', { env: {} })).toMatchObject({
      baseUrl: 'https://api.x.ai/v1',
      apiKeyEnv: 'XAI_API_KEY',
    });
    expect(resolveModelSpec('openai:gpt-4o', { env: { OPENAI_BASE_URL: 'http://x/v1' } }).baseUrl).toBe('http://x/v1');
    const config = {
      models: {
        local: {
          spec: 'openai-compatible:qwen',
          baseUrl: 'http://127.0.0.1:9/v1',
          apiKeyEnv: 'MY_KEY',
          mode: 'completion' as const,
        },
      },
    };
    expect(resolveModelSpec('local', { config })).toMatchObject({
      spec: 'local',
      provider: 'openai-compatible',
      model: 'qwen',
      apiKeyEnv: 'MY_KEY',
      mode: 'completion',
    });
    expect(() => resolveModelSpec('vllm:x', { env: {} })).toThrow(/base-url/);
    expect(() => resolveModelSpec('gpt-4o')).toThrow(HeldoutError);
    expect(() => resolveModelSpec('anthropic:claude', { mode: 'completion' })).toThrow(/completion/);
  });

  it('a missing key is a HeldoutError naming the variable', () => {
    const err = (() => {
      try {
        openModel('anthropic:claude-x', { env: {} });
      } catch (e) {
        return e;
      }
    })() as HeldoutError;
    expect(err).toBeInstanceOf(HeldoutError);
    expect(err.message).toContain('ANTHROPIC_API_KEY');
  });

  it('parses Retry-After forms and computes jittered backoff', () => {
    const h = (m: Record<string, string>) => (n: string) => m[n];
    expect(parseRetryAfter(h({ 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfter(h({ 'retry-after-ms': '150' }))).toBe(150);
    expect(parseRetryAfter(h({ 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    expect(parseRetryAfter(h({}))).toBeUndefined();
    const p = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, retryAfterCapMs: 500, timeoutMs: 1 };
    expect(retryDelay(1, p, undefined, () => 0)).toBe(50);
    expect(retryDelay(3, p, undefined, () => 1)).toBe(400);
    expect(retryDelay(9, p, undefined, () => 1)).toBe(1000);
    expect(retryDelay(1, p, 9000, () => 0)).toBe(500);
  });
});

describe('replay models', () => {
  it('answers by question id, or by finding the row whose question is in the prompt; no row → missing', async () => {
    const file = join(cacheDir, 'sheet.csv');
    writeFileSync(
      file,
      'id,question,answer\r\n7,,"seven\r\nlines"\r\n,"User: Answer the following question:\r\nSolve \\(x^2 = 4\\).\r\n\r\nAssistant:",x = \\pm 2\r\n',
    );
    const m = openModel(`replay:${file}`);
    expect(m.provider).toBe('replay');
    expect(await m.call({ messages: [], questionId: '7' })).toMatchObject({ text: 'seven\nlines', attempts: 0 });
    const byText = await m.call({ messages: [{ role: 'user', content: 'Question 3 (2 points)\n\nSolve $x^2=4$.' }] });
    expect(byText.text).toBe('x = \\pm 2');
    expect(await m.call({ messages: [{ role: 'user', content: 'Something else' }] })).toMatchObject({
      text: '',
      finishReason: 'missing',
    });
    expect(server.count).toBe(0);
  });

  it('normalises question text: whitespace, case, LaTeX spelling and chat templates', () => {
    const a = normaliseQuestionText('Solve $|x - 1| \\le 2$ on the set of  real numbers.');
    expect(normaliseQuestionText('solve \\(|x-1|\\leq 2\\) on the set of\r\nreal numbers.')).toBe(a);
    expect(normaliseQuestionText('Find $\\dfrac{1}{2}\\left(x\\right)$')).toBe(
      normaliseQuestionText('find $\\frac{1}{2}(x)$'),
    );
    expect(stripChatTemplate('User: Answer the following question:\nWhat is 2+2?\n\nAssistant:')).toBe('What is 2+2?');
  });
});

describe('model labels: --model Label=spec', () => {
  it('splits a label off a spec, and leaves specs whose "=" is part of the model or file alone', async () => {
    const { splitModelLabel, resolveModelSpec } = await import('../src/models/spec.js');
    expect(splitModelLabel('Grok-1=replay:sheet.csv')).toEqual({ label: 'Grok-1', spec: 'replay:sheet.csv' });
    expect(splitModelLabel('GPT 4o=openai:gpt-4o')).toEqual({ label: 'GPT 4o', spec: 'openai:gpt-4o' });
    expect(splitModelLabel('replay:a=b.csv')).toEqual({ spec: 'replay:a=b.csv' });
    expect(splitModelLabel('runs/x=y.csv')).toEqual({ spec: 'runs/x=y.csv' });
    expect(splitModelLabel('=openai:gpt-4o')).toEqual({ spec: '=openai:gpt-4o' });
    const r = resolveModelSpec('Grok-1=replay:sheet.csv');
    expect(r).toMatchObject({
      spec: 'Grok-1=replay:sheet.csv',
      label: 'Grok-1',
      provider: 'replay',
      model: 'sheet.csv',
    });
    expect(() => resolveModelSpec('Grok-1=nope:x')).toThrow(/unknown model/);
  });
});
