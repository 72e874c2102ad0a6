import type { ModelCaller } from '../models/index.js';
import type { ResponseRecord } from '../store/records.js';

export interface ModelSummary {
  model: string;
  answered: number;
  failed: number;
  missing: number;
  cached: number;
  inputTokens: number;
  outputTokens: number;
  /** This session's wall time for the model. */
  wallMs: number;
  /** US dollars for the uncached answers, when the config has prices. */
  cost?: number;
}

/** One model's counts, tokens, wall time and cost over the run's latest records. */
export function summarise(
  caller: ModelCaller,
  records: ResponseRecord[],
  stats?: { first?: number; last?: number },
): ModelSummary {
  const mine = records.filter((r) => r.model === caller.spec);
  const s: ModelSummary = {
    model: caller.spec,
    answered: 0,
    failed: 0,
    missing: 0,
    cached: 0,
    inputTokens: 0,
    outputTokens: 0,
    wallMs: stats?.first !== undefined && stats.last !== undefined ? stats.last - stats.first : 0,
  };
  let cost = 0;
  for (const r of mine) {
    if (r.error) s.failed++;
    else if (r.finishReason === 'missing') s.missing++;
    else s.answered++;
    if (r.cached) s.cached++;
    const i = r.usage?.inputTokens ?? 0;
    const o = r.usage?.outputTokens ?? 0;
    s.inputTokens += i;
    s.outputTokens += o;
    if (!r.cached && caller.prices) cost += (i * caller.prices.input + o * caller.prices.output) / 1e6;
  }
  if (caller.prices) s.cost = cost;
  return s;
}
