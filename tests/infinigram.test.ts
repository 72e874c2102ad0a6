import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countNgrams, infiniGramRetry, itemQueries } from '../src/contamination/scan/infinigram.js';
import { retryDelay } from '../src/models/retry.js';
import { runCliAsync, tempDir } from './helpers/cli.js';

const FARM =
  'A farmer plants seven rows of tomatoes and each row holds twelve plants, while rabbits eat three plants every night. How many plants remain after one full week?';
const CLEAN =
  'Nobody ever wrote this sentence anywhere before today, so the corpus cannot possibly hold any thirteen words of it.';

/** A loopback server that speaks infini-gram's count API, with scripted failures. */
let server: Server;
let url = '';
const log: { index: string; query_type: string; query: string }[] = [];
const failures = new Map<string, number[]>();

function body(req: IncomingMessage): Promise<string> {
  return new Promise((res) => {
    let s = '';
    req.on('data', (d) => (s += d));
    req.on('end', () => res(s));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const b = JSON.parse(await body(req));
    log.push(b);
    const fail = failures.get(b.query)?.shift();
    if (fail) {
      res.writeHead(fail, fail === 429 ? { 'retry-after': '0.2' } : {});
      res.end(JSON.stringify({ error: 'busy' }));
      return;
    }
    res.setHeader('content-type', 'application/json');
    if (b.index !== 'v4_test_llama') {
      res.end(JSON.stringify({ error: `Invalid index: ${b.index}` }));
      return;
    }
    const count = b.query.includes('farmer') ? 42 : b.query.includes('remain') ? 7 : 0;
    res.end(JSON.stringify({ count, approx: count === 7, latency: 0.1, token_ids: [], tokens: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('infini-gram client', () => {
  it('asks windows of raw words, including the last one', () => {
    const q = itemQueries(FARM, 13, 13, 20);
    expect(q[0]).toBe('A farmer plants seven rows of tomatoes and each row holds twelve plants,');
    expect(q[q.length - 1].endsWith('after one full week?')).toBe(true);
    expect(itemQueries('too short to ask', 13, 13, 20)).toEqual([]);
  });

  it('retries a 429 and a 500, then counts; a second run is served from the cache with zero requests', async () => {
    const cacheDir = tempDir();
    const items = [
      { id: 'farm', text: FARM },
      { id: 'clean', text: CLEAN },
    ];
    const first = itemQueries(FARM, 13, 13, 20)[0];
    failures.set(first, [429, 500]);
    log.length = 0;
    const a = await countNgrams(items, {
      index: 'v4_test_llama',
      endpoint: url,
      cacheDir,
      minIntervalMs: 0,
      maxBackoffMs: 50,
    });
    expect(log.every((b) => b.index === 'v4_test_llama' && b.query_type === 'count')).toBe(true);
    expect(log.filter((b) => b.query === first)).toHaveLength(3);
    const farm = a.items[0];
    expect(farm.ngrams[0]).toEqual({ ngram: first, count: 42, approx: false });
    expect(farm.ngrams).toHaveLength(3);
    expect(farm.found).toBe(3);
    expect(farm.maxCount).toBe(42);
    expect(farm.ngrams.some((g) => g.approx)).toBe(true);
    expect(a.items[1].found).toBe(0);
    expect(a.requests).toBe(log.length);
    log.length = 0;
    const b = await countNgrams(items, { index: 'v4_test_llama', endpoint: url, cacheDir, minIntervalMs: 0 });
    expect(log).toHaveLength(0);
    expect(b.requests).toBe(0);
    expect(b.items).toEqual(a.items);
  });

  it("uses the project's retry policy: backoff doubles from 0.5 s up to the cap, Retry-After is capped too", () => {
    const top = () => 1;
    const policy = infiniGramRetry({ retries: 5 });
    expect(policy.maxRetries).toBe(5);
    expect([1, 2, 3].map((r) => retryDelay(r, policy, undefined, top))).toEqual([500, 1000, 2000]);
    expect(retryDelay(12, policy, undefined, top)).toBe(30_000);
    // A server asking for an hour gets the cap (plus at most the jitter of one first backoff).
    const capped = infiniGramRetry({ maxBackoffMs: 50 });
    const wait = retryDelay(1, capped, 3_600_000, top);
    expect(wait).toBeGreaterThanOrEqual(50);
    expect(wait).toBeLessThanOrEqual(100);
    expect(retryDelay(1, policy, 200, () => 0)).toBe(200);
  });

  it('keeps a minimum interval between requests', async () => {
    log.length = 0;
    const t = Date.now();
    await countNgrams([{ id: 'x', text: CLEAN }], {
      index: 'v4_test_llama',
      endpoint: url,
      minIntervalMs: 100,
      concurrency: 4,
    });
    expect(log.length).toBeGreaterThanOrEqual(2);
    expect(Date.now() - t).toBeGreaterThanOrEqual(100 * (log.length - 1));
  });

  it('`heldout infini-gram` reports per item, exits 2 when found, and names a bad index', async () => {
    const dir = tempDir();
    const items = join(dir, 'items.jsonl');
    writeFileSync(
      items,
      `${JSON.stringify({ id: 'farm', text: FARM })}\n${JSON.stringify({ id: 'clean', text: CLEAN })}\n`,
    );
    const cache = join(dir, 'cache');
    const args = [
      'infini-gram',
      '--items',
      items,
      '--index',
      'v4_test_llama',
      '--endpoint',
      url,
      '--min-interval',
      '0',
      '--cache-dir',
      cache,
    ];
    const r = await runCliAsync(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/farm\s+3\s+3\s+42\s+yes/);
    expect(r.stdout).toMatch(/1 of 2 item\(s\) have an n-gram in v4_test_llama/);
    log.length = 0;
    const again = await runCliAsync([...args, '--json']);
    expect(log).toHaveLength(0);
    expect(JSON.parse(again.stdout).cacheHits).toBe(5);
    const bad = await runCliAsync([
      'infini-gram',
      '--items',
      items,
      '--index',
      'nope',
      '--endpoint',
      url,
      '--no-cache',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/heldout: error: .*Invalid index: nope/);
    const exam = await runCliAsync([
      'infini-gram',
      'exams/tiny',
      '--index',
      'v4_test_llama',
      '--endpoint',
      url,
      '--no-cache',
      '--json',
    ]);
    expect([0, 2]).toContain(exam.code);
    expect(JSON.parse(exam.stdout).items.length).toBeGreaterThan(0);
  });

  it('`heldout check --infini-gram` adds the counts next to the local rules', async () => {
    const dir = tempDir();
    const bench = join(dir, 'b.jsonl');
    writeFileSync(bench, `${JSON.stringify({ question: CLEAN })}\n`);
    writeFileSync(join(dir, 'items.jsonl'), `${JSON.stringify({ id: 'farm', text: FARM })}\n`);
    const res = await runCliAsync([
      'check',
      '--items',
      join(dir, 'items.jsonl'),
      '--field',
      'text',
      '--bench',
      `b=${bench}`,
      '--bench-field',
      'question',
      '--infini-gram',
      'v4_test_llama',
      '--infini-gram-endpoint',
      url,
      '--no-cache',
      '--json',
    ]);
    expect(res.code).toBe(2);
    const out = JSON.parse(res.stdout);
    expect(out.infiniGram.items[0]).toMatchObject({ id: expect.stringContaining('farm'), found: 3, maxCount: 42 });
    // The JSON verdict agrees with the exit code.
    expect(out.contaminated).toBe(true);
  });

  it('`heldout check --infini-gram` works without any local benchmark', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'items.jsonl'), `${JSON.stringify({ id: 'farm', text: FARM })}\n`);
    const args = ['check', '--items', join(dir, 'items.jsonl'), '--field', 'text', '--no-cache', '--json'];
    const res = await runCliAsync([...args, '--infini-gram', 'v4_test_llama', '--infini-gram-endpoint', url]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stdout)).toMatchObject({ contaminated: true, infiniGram: { items: [{ found: 3 }] } });
    // Without either (nothing pulled, no pack), the error says what to pass.
    const none = await runCliAsync(args, { env: { HELDOUT_BENCH_DIR: join(dir, 'none'), HELDOUT_PACK_DIR: 'none' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--infini-gram');
  });
});

describe('offline: network errors no retry can cure end at once, with the cause', () => {
  /** A loopback port that refuses connections: listen, note the port, close. */
  async function refusedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it('infini-gram: a refused connection fails after one attempt, not after minutes of backoff', async () => {
    const port = await refusedPort();
    const t = Date.now();
    await expect(
      countNgrams([{ id: 'farm', text: FARM }], {
        index: 'v4_test_llama',
        endpoint: `http://127.0.0.1:${port}/`,
        minIntervalMs: 0,
        retries: 5,
      }),
    ).rejects.toThrow(/connection refused.*ECONNREFUSED/);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('infini-gram and bench pull: an unresolvable host name says DNS, through the CLI', async () => {
    const dir = tempDir();
    const items = join(dir, 'items.jsonl');
    writeFileSync(items, `${JSON.stringify({ id: 'farm', text: FARM })}\n`);
    const t = Date.now();
    const r = await runCliAsync([
      'infini-gram',
      '--items',
      items,
      '--index',
      'v4_test_llama',
      '--endpoint',
      'http://nonexistent.invalid/',
      '--cache-dir',
      join(dir, 'c'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach infini-gram: DNS lookup failed.*(ENOTFOUND|EAI_AGAIN)/);
    expect(r.stderr).not.toMatch(/rate-limit/);
    const pull = await runCliAsync(['bench', 'pull', 'gsm8k'], {
      env: { HF_ENDPOINT: 'http://nonexistent.invalid', HELDOUT_BENCH_DIR: join(dir, 'b') },
    });
    expect(pull.code).toBe(1);
    expect(pull.stderr).toMatch(/cannot reach http:\/\/nonexistent\.invalid\/api\/.*DNS lookup failed/);
    expect(Date.now() - t).toBeLessThan(20_000);
  });
});
