/**
 * Scoring a model's continuation against the true remainder of an item (guided completion, TS-Guessing).
 * Words are compared, not characters: case, punctuation and spacing never decide a match, numbers and words do.
 */

/** Lower-cased runs of letters or digits (any script). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Length of the longest common subsequence of two word lists (O(n·m) time, O(m) memory). */
export function lcsLength(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const prev = new Uint32Array(b.length + 1);
  const cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    prev.set(cur);
  }
  return prev[b.length];
}

/** ROUGE-L F1 of a candidate against a reference (word level). */
export function rougeL(candidate: string[], reference: string[]): number {
  const l = lcsLength(candidate, reference);
  if (l === 0) return 0;
  const p = l / candidate.length;
  const r = l / reference.length;
  return (2 * p * r) / (p + r);
}

/** Length of the longest run of consecutive words that both lists share. */
export function longestCommonNgram(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let best = 0;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : 0;
      if (cur[j] > best) best = cur[j];
    }
    [prev, cur] = [cur, prev];
  }
  return best;
}

/** ROUGE-L at or above this counts as a near-exact reproduction. */
export const NEAR_EXACT_ROUGE_L = 0.75;

export interface ContinuationScore {
  /** The whole remainder appears, word for word, in the continuation. */
  exact: boolean;
  /** ROUGE-L F1 of the continuation's first |remainder| × 1.1 words against the remainder. */
  rougeL: number;
  /** Longest shared run of words, and that run as a share of the remainder's words. */
  lcn: number;
  lcnFraction: number;
  /** Exact, or ROUGE-L ≥ NEAR_EXACT_ROUGE_L. */
  match: boolean;
}

/**
 * Scores a continuation. A model that reproduces the remainder and then goes on (to solve the problem, say) is not
 * penalised: ROUGE-L looks only at the start of the continuation, about as long as the remainder.
 */
export function scoreContinuation(continuation: string, remainder: string): ContinuationScore {
  const ref = words(remainder);
  let cand = words(stripLabel(continuation));
  const lcn = longestCommonNgram(cand, ref);
  const exact = ref.length > 0 && lcn === ref.length;
  cand = cand.slice(0, ref.length + Math.ceil(ref.length * 0.1));
  const r = ref.length ? rougeL(cand, ref) : 0;
  return {
    exact,
    rougeL: round(r),
    lcn,
    lcnFraction: ref.length ? round(lcn / ref.length) : 0,
    match: exact || r >= NEAR_EXACT_ROUGE_L,
  };
}

/** Drops a leading "Second piece:" / "Answer:" label a chat model may echo back. */
function stripLabel(text: string): string {
  return text.replace(/^\s*(?:\*\*)?(?:second piece|answer|option [a-d]|completion)\s*(?:\*\*)?\s*[:：]\s*/i, '');
}

const round = (x: number) => Math.round(x * 10000) / 10000;

/**
 * Splits an item into the first piece (shown) and the remainder (to be completed): at the sentence end nearest the
 * middle when one lies between 30% and 70% of the words, else at the middle word.
 */
export function splitItem(text: string): { prefix: string; remainder: string } | undefined {
  const clean = text.trim();
  const spans = [...clean.matchAll(/\S+/g)];
  if (spans.length < 8) return undefined;
  const n = spans.length;
  let cut = Math.floor(n / 2);
  let bestDist = Number.POSITIVE_INFINITY;
  for (let i = Math.ceil(n * 0.3); i <= Math.floor(n * 0.7); i++) {
    const w = spans[i - 1][0];
    if (/[.?!:;]["')\]]?$/.test(w)) {
      const d = Math.abs(i - n / 2);
      if (d < bestDist) {
        bestDist = d;
        cut = i;
      }
    }
  }
  const at = spans[cut].index ?? 0;
  return { prefix: clean.slice(0, at).trimEnd(), remainder: clean.slice(at).trim() };
}

/** TS-Guessing: an exact fill is the masked option's words and nothing else (a trailing full stop is fine). */
export function optionMatches(answer: string, option: string): boolean {
  const a = words(stripLabel(answer.trim().split('\n')[0] ?? ''));
  const o = words(option);
  return o.length > 0 && a.length === o.length && a.every((w, i) => w === o[i]);
}
