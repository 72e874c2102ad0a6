import { ModelCallError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff; doubles each retry. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest wait we grant a server's Retry-After (the SDKs have no cap). */
  retryAfterCapMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  retryAfterCapMs: 60_000,
  timeoutMs: 120_000,
};

/** Delay before retry number `retry` (1-based): exponential with "equal jitter", or the server's Retry-After. */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number, rand = Math.random): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) {
    return Math.min(retryAfterMs, policy.retryAfterCapMs) + rand() * Math.min(250, policy.baseDelayMs);
  }
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return exp / 2 + (rand() * exp) / 2;
}

/** `retry-after-ms` (OpenAI), `retry-after` as seconds or an HTTP date. */
export function parseRetryAfter(
  get: ((name: string) => string | null | undefined) | undefined,
  now = Date.now(),
): number | undefined {
  if (!get) return undefined;
  const ms = get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const ra = get('retry-after');
  if (!ra) return undefined;
  const s = ra.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortedError(): ModelCallError {
  return new ModelCallError('aborted', 'the call was cancelled', { retryable: false });
}

/**
 * Runs `attempt` with a per-attempt timeout, retrying retryable failures. `classify` turns whatever the client threw
 * into a ModelCallError; it is told whether our timer or the caller's signal fired.
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  classify: (err: unknown, why: 'timeout' | 'aborted' | undefined) => ModelCallError,
  policy: RetryPolicy,
  signal?: AbortSignal,
  onRetry?: (err: ModelCallError, delayMs: number, retry: number) => void,
): Promise<{ value: T; attempts: number }> {
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw abortedError();
    const ctl = new AbortController();
    let why: 'timeout' | 'aborted' | undefined;
    const timer = setTimeout(() => {
      why = 'timeout';
      ctl.abort();
    }, policy.timeoutMs);
    const onAbort = () => {
      why ??= 'aborted';
      ctl.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let err: ModelCallError;
    try {
      const value = await attempt(ctl.signal);
      return { value, attempts: n };
    } catch (raw) {
      err = raw instanceof ModelCallError && why === undefined ? raw : classify(raw, why);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    err.attempts = n;
    if (err.kind === 'aborted' || !err.retryable || n > policy.maxRetries) throw err;
    const delay = retryDelay(n, policy, err.retryAfterMs);
    onRetry?.(err, delay, n);
    await sleep(delay, signal);
  }
}
