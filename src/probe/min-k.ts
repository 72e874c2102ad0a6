import type { TokenLogprobs } from '../models/index.js';

/**
 * Min-K% (Shi et al. 2024) and Min-K%++ (Zhang et al. 2024) from the token log-probabilities a completions server
 * returns for an echoed prompt. Both average the lowest k% of per-token scores: text seen in training has few
 * surprising tokens.
 */

export const DEFAULT_K = 0.2;

export interface TokenScores {
  /** log p(token | prefix) for each scored token of the item. */
  logprobs: number[];
  /**
   * Min-K%++'s per-token score (log p − μ) / σ, μ and σ over the next-token distribution. The server returns only the
   * top alternatives, so μ and σ are taken over those (renormalised): an approximation of the paper's full-vocabulary
   * values. null where the server gave no alternatives.
   */
  zscores: (number | null)[];
}

/** The scores of the prompt's tokens: those that start before `promptChars` (the echo's own completion is dropped). */
export function promptTokenScores(lp: TokenLogprobs, promptChars: number): TokenScores {
  const logprobs: number[] = [];
  const zscores: (number | null)[] = [];
  let offset = 0;
  for (let i = 0; i < lp.tokens.length; i++) {
    const start = lp.textOffset?.[i] ?? offset;
    offset = start + lp.tokens[i].length;
    if (start >= promptChars) break;
    const v = lp.tokenLogprobs[i];
    if (v === null || !Number.isFinite(v)) continue;
    logprobs.push(v);
    zscores.push(zscore(v, lp.tokens[i], lp.topLogprobs?.[i] ?? null));
  }
  return { logprobs, zscores };
}

function zscore(v: number, token: string, top: Record<string, number> | null): number | null {
  if (!top) return null;
  const entries = Object.entries(top).filter(([, x]) => Number.isFinite(x));
  if (!entries.some(([t]) => t === token)) entries.push([token, v]);
  if (entries.length < 2) return null;
  const mass = entries.reduce((s, [, x]) => s + Math.exp(x), 0);
  let mu = 0;
  let m2 = 0;
  for (const [, x] of entries) {
    const w = Math.exp(x) / mass;
    mu += w * x;
    m2 += w * x * x;
  }
  const sd = Math.sqrt(Math.max(0, m2 - mu * mu));
  return sd > 1e-9 ? (v - mu) / sd : 0;
}

/** Mean of the lowest ⌈k·n⌉ values (undefined for none). */
export function minKMean(values: number[], k = DEFAULT_K): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const m = Math.max(1, Math.ceil(k * sorted.length));
  let s = 0;
  for (let i = 0; i < m; i++) s += sorted[i];
  return s / m;
}

export function minKScores(t: TokenScores, k = DEFAULT_K): { minK?: number; minKpp?: number } {
  const z = t.zscores.filter((v): v is number => v !== null);
  return { minK: minKMean(t.logprobs, k), minKpp: z.length ? minKMean(z, k) : undefined };
}
