import type { GradeRecord, ResponseRecord } from '../store/records.js';

/**
 * Final-answer accuracy, reported beside rubric points: how often the stated final answer was right, per sample,
 * by majority vote over samples, and pass@k. Read from the checker's verdicts; undetermined verdicts are counted
 * apart and are never taken as wrong.
 */

export interface FinalAnswerAccuracy {
  /** Unit answers with a verdict (units × samples). */
  checked: number;
  correct: number;
  incorrect: number;
  undetermined: number;
  /** correct / (correct + incorrect): over the answers the checker decided. */
  perSample: number;
  /** Units whose most common final answer across samples is correct, over units with a decided vote. */
  majority?: number;
  /** Unbiased pass@k over units (k = the number of samples), with several samples. */
  passAtK?: { k: number; value: number };
}

/** The unbiased pass@k estimator for n samples with c correct: 1 − C(n−c, k) / C(n, k). */
export function passAtK(n: number, c: number, k: number): number {
  if (c <= 0) return 0;
  k = Math.min(k, n);
  if (n - c < k) return 1;
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

const normalise = (s: string) => s.replace(/\s+/g, '').replace(/\\[,;! ]/g, '');

export function finalAnswerAccuracy(
  responses: ResponseRecord[],
  latest: GradeRecord[],
): FinalAnswerAccuracy | undefined {
  const ids = new Set(responses.map((r) => r.id));
  const sampleOf = new Map(responses.map((r) => [r.id, r.sample]));
  const verdicts = latest.filter((g) => g.grader.kind === 'auto' && g.verdict && ids.has(g.responseId));
  if (!verdicts.length) return undefined;
  const out: FinalAnswerAccuracy = {
    checked: verdicts.length,
    correct: 0,
    incorrect: 0,
    undetermined: 0,
    perSample: 0,
  };
  const byUnit = new Map<string, GradeRecord[]>();
  for (const g of verdicts) {
    out[g.verdict!.outcome]++;
    byUnit.set(g.unitId, [...(byUnit.get(g.unitId) ?? []), g]);
  }
  const decided = out.correct + out.incorrect;
  out.perSample = decided ? round(out.correct / decided) : 0;
  const samples = new Set(verdicts.map((g) => sampleOf.get(g.responseId)));
  if (samples.size > 1) {
    let votes = 0;
    let wins = 0;
    let pass = 0;
    for (const gs of byUnit.values()) {
      const counts = new Map<string, { n: number; correct: boolean }>();
      for (const g of gs) {
        if (g.verdict!.outcome === 'undetermined' || g.verdict!.extracted === undefined) continue;
        const key = normalise(g.verdict!.extracted);
        const c = counts.get(key) ?? { n: 0, correct: g.verdict!.outcome === 'correct' };
        c.n++;
        counts.set(key, c);
      }
      const top = [...counts.values()].sort((a, b) => b.n - a.n)[0];
      if (top) {
        votes++;
        if (top.correct) wins++;
      }
      pass += passAtK(gs.length, gs.filter((g) => g.verdict!.outcome === 'correct').length, samples.size);
    }
    if (votes) out.majority = round(wins / votes);
    out.passAtK = { k: samples.size, value: round(pass / byUnit.size) };
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
