import { isModelCallError, type ModelCaller } from '../models/index.js';

/**
 * Stops a judge early when every call fails the same way: a wrong key (401), a model name the server does not
 * know (404), a server that never answers. Without it a bad key cost one failed call per unit, and a judge that
 * never answers cost (retries + 1) × the timeout per unit. It stops only while no call of that judge has
 * succeeded, after `limit` failures in a row with the same kind and HTTP status.
 */
export class JudgeFailureWatch {
  private succeeded = 0;
  private streak = 0;
  private last = '';
  private readonly controller = new AbortController();
  /** Why the judge was stopped, once it is. */
  reason?: string;

  constructor(
    readonly spec: string,
    readonly limit = 3,
  ) {}

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  /** The caller, watched: once stopped, its queued and in-flight calls are cancelled. */
  wrap(caller: ModelCaller): ModelCaller {
    return {
      ...caller,
      call: async (req, signal) => {
        const stop = this.controller.signal;
        const both = signal ? AbortSignal.any([signal, stop]) : stop;
        try {
          const res = await caller.call(req, both);
          this.succeeded++;
          this.streak = 0;
          return res;
        } catch (err) {
          this.failed(err);
          throw err;
        }
      },
    };
  }

  private failed(err: unknown): void {
    if (this.stopped || this.succeeded > 0) return;
    if (isModelCallError(err) && err.kind === 'aborted') return;
    const key = isModelCallError(err) ? `${err.kind}|${err.status ?? ''}` : `error|${(err as Error)?.message}`;
    this.streak = key === this.last ? this.streak + 1 : 1;
    this.last = key;
    if (this.streak >= this.limit) {
      const what = isModelCallError(err)
        ? `${err.kind}${err.status !== undefined ? ` ${err.status}` : ''}: ${err.message}`
        : String((err as Error)?.message ?? err);
      this.reason = `its first ${this.streak} calls all failed the same way (${what})`;
      this.controller.abort();
    }
  }
}
