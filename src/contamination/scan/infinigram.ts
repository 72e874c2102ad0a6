import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { HeldoutError } from '../../errors.js';
import { DEFAULT_RETRY, parseRetryAfter, type RetryPolicy, retryDelay, sleep } from '../../models/retry.js';
import { permanentNetworkError } from '../net-errors.js';

/**
 * A client for the infini-gram count API (https://infini-gram.io/api_doc): how often each n-gram of an item
 * occurs in corpora too big to scan here (The Pile, RedPajama, Dolma, …). POST `{index, query_type: "count",
 * query}` → `{count, approx}`. Requests are rate-limited (concurrency + a minimum interval), retried under the
 * project's one retry policy (models/retry.ts) on network errors, 429 and 5xx, and cached on disk, so a rerun
 * asks nothing twice.
 */

export const DEFAULT_ENDPOINT = 'https://api.infini-gram.io/';

export interface InfiniGramOptions {
  index: string;
  endpoint?: string;
  /** Words per query (default 13). */
  n?: number;
  /** Distance between query starts, in words (default n: non-overlapping windows). */
  stride?: number;
  /** At most this many queries per item (default 20). */
  maxQueriesPerItem?: number;
  concurrency?: number;
  /** Minimum time between the starts of two requests (default 250 ms). */
  minIntervalMs?: number;
  retries?: number;
  /** Cap on one backoff wait, also on a server's Retry-After (default 30 s). */
  maxBackoffMs?: number;
  timeoutMs?: number;
  /** Directory of the cache file; undefined = no cache. */
  cacheDir?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface NgramCount {
  ngram: string;
  count: number;
  approx: boolean;
}

export interface ItemCounts {
  id: string;
  /** Words in the item; items shorter than n are not queried. */
  words: number;
  ngrams: NgramCount[];
  /** Queried n-grams that occur at least once. */
  found: number;
  maxCount: number;
}

export interface InfiniGramResult {
  index: string;
  endpoint: string;
  n: number;
  stride: number;
  items: ItemCounts[];
  /** HTTP requests made (retries included) and answers taken from the cache. */
  requests: number;
  cacheHits: number;
}

/**
 * The queries for an item: windows of n words of the RAW text (infini-gram matches exact token sequences, so
 * the janitor's lower-casing and punctuation removal would miss), words joined by single spaces.
 */
export function itemQueries(text: string, n: number, stride: number, max: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + n <= words.length && out.length < max; i += stride) out.push(words.slice(i, i + n).join(' '));
  // The last window, so that the end of the item is covered too.
  const last = words.slice(Math.max(0, words.length - n)).join(' ');
  if (words.length >= n && out.length < max && out[out.length - 1] !== last) out.push(last);
  return out;
}

/**
 * The retry policy of infini-gram requests: the shared one, with a shorter first backoff (a public API that
 * rate-limits in bursts) and the caller's cap applied to backoff and to a server's Retry-After alike.
 */
export function infiniGramRetry(opts: Pick<InfiniGramOptions, 'retries' | 'maxBackoffMs' | 'timeoutMs'>): RetryPolicy {
  const cap = opts.maxBackoffMs ?? 30_000;
  return {
    ...DEFAULT_RETRY,
    maxRetries: opts.retries ?? 5,
    baseDelayMs: Math.min(500, cap),
    maxDelayMs: cap,
    retryAfterCapMs: cap,
    timeoutMs: opts.timeoutMs ?? 30_000,
  };
}

class Cache {
  private readonly map = new Map<string, { count: number; approx: boolean }>();
  private readonly file?: string;

  constructor(dir: string | undefined) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'infini-gram.jsonl');
    if (!existsSync(this.file)) return;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line);
        if (typeof r.count === 'number') this.map.set(`${r.index}\0${r.query}`, { count: r.count, approx: !!r.approx });
      } catch {
        // A torn last line from an interrupted run: ignore it.
      }
    }
  }

  get(index: string, query: string) {
    return this.map.get(`${index}\0${query}`);
  }

  put(index: string, query: string, v: { count: number; approx: boolean }) {
    this.map.set(`${index}\0${query}`, v);
    if (this.file) appendFileSync(this.file, `${JSON.stringify({ index, query, ...v })}\n`);
  }
}

export async function countNgrams(
  items: { id: string; text: string }[],
  opts: InfiniGramOptions,
): Promise<InfiniGramResult> {
  const endpoint = opts.endpoint ?? DEFAULT_ENDPOINT;
  const n = opts.n ?? 13;
  const stride = opts.stride ?? n;
  const policy = infiniGramRetry(opts);
  const retries = policy.maxRetries;
  const interval = opts.minIntervalMs ?? 250;
  const limit = pLimit(opts.concurrency ?? 2);
  const cache = new Cache(opts.cacheDir);
  let requests = 0;
  let cacheHits = 0;
  let nextStart = 0;

  /** Waits for this request's turn under the minimum interval. */
  const turn = async () => {
    const now = Date.now();
    const at = Math.max(now, nextStart);
    nextStart = at + interval;
    if (at > now) await sleep(at - now);
  };

  const inflight = new Map<string, Promise<{ count: number; approx: boolean }>>();
  const ask = (query: string) => {
    let p = inflight.get(query);
    if (!p) {
      p = askOnce(query);
      inflight.set(query, p);
    }
    return p;
  };
  const askOnce = async (query: string): Promise<{ count: number; approx: boolean }> => {
    const hit = cache.get(opts.index, query);
    if (hit) {
      cacheHits++;
      return hit;
    }
    let lastError = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      await turn();
      requests++;
      let retryAfterMs: number | undefined;
      try {
        const res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ index: opts.index, query_type: 'count', query }),
          signal: AbortSignal.timeout(policy.timeoutMs),
        });
        const body = await res.text();
        if (res.status === 429 || res.status >= 500) {
          lastError = `HTTP ${res.status}`;
          retryAfterMs = parseRetryAfter((name) => res.headers.get(name));
        } else {
          let data: { count?: unknown; approx?: unknown; error?: unknown };
          try {
            data = JSON.parse(body);
          } catch {
            throw new HeldoutError(`infini-gram answered HTTP ${res.status} with something that is not JSON`, {
              where: endpoint,
              hint: 'check --endpoint',
            });
          }
          if (!res.ok || data.error !== undefined || typeof data.count !== 'number') {
            throw new HeldoutError(`infini-gram: ${String(data.error ?? `HTTP ${res.status}`)}`, {
              where: endpoint,
              hint: `is "${opts.index}" an index name from https://infini-gram.io/api_doc (e.g. v4_piletrain_llama)?`,
            });
          }
          const v = { count: data.count, approx: data.approx === true };
          cache.put(opts.index, query, v);
          return v;
        }
      } catch (err) {
        if (err instanceof HeldoutError) throw err;
        const fatal = permanentNetworkError(err);
        if (fatal) {
          throw new HeldoutError(
            `cannot reach infini-gram: ${fatal.why} (${fatal.code}${fatal.host ? `, ${fatal.host}` : ''})`,
            {
              where: endpoint,
              hint: 'check the network or --endpoint; answers so far are cached, so a rerun asks only the rest',
            },
          );
        }
        lastError = (err as Error).message;
      }
      if (attempt < retries) await sleep(retryDelay(attempt + 1, policy, retryAfterMs));
    }
    throw new HeldoutError(`infini-gram did not answer after ${retries + 1} attempts (${lastError})`, {
      where: endpoint,
      hint: 'the public API rate-limits; rerun later (answers so far are cached) or lower --concurrency',
    });
  };

  const plan = items.map((it) => ({ it, queries: itemQueries(it.text, n, stride, opts.maxQueriesPerItem ?? 20) }));
  const total = plan.reduce((s, p) => s + p.queries.length, 0);
  let done = 0;
  const out: ItemCounts[] = await Promise.all(
    plan.map(async ({ it, queries }) => {
      const ngrams = await Promise.all(
        queries.map((q) =>
          limit(async () => {
            const v = await ask(q);
            opts.onProgress?.(++done, total);
            return { ngram: q, ...v };
          }),
        ),
      );
      return {
        id: it.id,
        words: it.text.split(/\s+/).filter(Boolean).length,
        ngrams,
        found: ngrams.filter((g) => g.count > 0).length,
        maxCount: ngrams.reduce((m, g) => Math.max(m, g.count), 0),
      };
    }),
  );
  return { index: opts.index, endpoint, n, stride, items: out, requests, cacheHits };
}
