import type { ModelCaller, OpenModelOptions } from '../models/index.js';

export interface JudgeOpenOptions {
  concurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
  noCache?: boolean;
  openOptions?: OpenModelOptions;
}

/**
 * Opens each `--judge` spec as a model caller with the config file's settings, so that `grade --judge`, `regrade`
 * and `rubric test` call judges the same way (cache, retries, per-provider concurrency).
 */
export async function openJudges(specs: readonly string[], o: JudgeOpenOptions): Promise<ModelCaller[]> {
  // Loaded on demand: the SDKs are heavy and most commands never call a judge.
  const { openModel, loadConfig } = await import('../models/index.js');
  const config = loadConfig();
  return specs.map((spec) =>
    openModel(spec, {
      config,
      flag: '--judge',
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      noCache: o.noCache,
      ...o.openOptions,
    }),
  );
}
