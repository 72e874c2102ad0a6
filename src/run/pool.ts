/**
 * Worker pools for model calls, with the run's stop rules: one pool per model, each refilling a slot as soon as it
 * frees (never in waves). Aborting `stop` schedules nothing new and gives calls in flight `graceMs` before the
 * `signal` handed to them aborts; aborting `abort` aborts them at once. A task that throws stops the pools and the
 * first error is rethrown after the others have settled.
 */
export interface PoolOptions {
  stop?: AbortSignal;
  abort?: AbortSignal;
  graceMs?: number;
  /** Told once when `stop` fires, with the number of tasks in flight. */
  onStopping?: (inFlight: number) => void;
}

export async function runPools<T>(
  pools: { width: number; items: T[] }[],
  work: (item: T, signal: AbortSignal) => Promise<void>,
  opts: PoolOptions = {},
): Promise<{ interrupted: boolean }> {
  const { stop } = opts;
  const hard = new AbortController();
  const onHard = () => hard.abort();
  opts.abort?.addEventListener('abort', onHard, { once: true });
  let inFlight = 0;
  let graceTimer: NodeJS.Timeout | undefined;
  const onStop = () => {
    opts.onStopping?.(inFlight);
    graceTimer = setTimeout(() => hard.abort(), opts.graceMs ?? 3000);
  };
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  if (opts.abort?.aborted) hard.abort();

  let fatal: unknown;
  let failed = false;
  const workers: Promise<void>[] = [];
  for (const pool of pools) {
    let next = 0;
    const worker = async () => {
      while (next < pool.items.length && !stop?.aborted && !hard.signal.aborted && !failed) {
        const item = pool.items[next++];
        inFlight++;
        try {
          await work(item, hard.signal);
        } catch (err) {
          if (!failed) fatal = err;
          failed = true;
        } finally {
          inFlight--;
        }
      }
    };
    const width = Math.max(1, Math.min(pool.width, pool.items.length));
    if (pool.items.length) for (let i = 0; i < width; i++) workers.push(worker());
  }
  try {
    await Promise.all(workers);
  } finally {
    clearTimeout(graceTimer);
    stop?.removeEventListener('abort', onStop);
    opts.abort?.removeEventListener('abort', onHard);
  }
  if (failed) throw fatal;
  return { interrupted: Boolean(stop?.aborted || opts.abort?.aborted) };
}
