import { latestGrades } from '../store/grades.js';
import type { GradeRecord, ResponseRecord, VerdictOutcome } from '../store/records.js';

/**
 * Final-answer accuracy from the automatic checker's grades, beside the rubric points: per sample, by majority
 * vote over samples, and pass@k. A unit the checker could not decide is counted as such (never as wrong), so
 * accuracy is given as a range: correct / all, up to (correct + undetermined) / all.
 */

/** What one (response, unit) came to: the checker's outcome, or why there is none. */
export type UnitOutcome = VerdictOutcome | 'failed' | 'unanswered' | 'missing';

export interface OutcomeCounts {
  correct: number;
  incorrect: number;
  undetermined: number;
  /** Failed responses, empty answers and answers the checker never saw: not correct, not undetermined. */
  notGraded: number;
  total: number;
}

export interface FinalAnswerAccuracy {
  model: string;
  /** Units with an automatic check (an answer key and auto rubric items): the denominator. */
  units: number;
  samples: number;
  /** Over every (unit, sample). */
  perSample: OutcomeCounts & AccuracyRange;
  /** One answer per unit: the most frequent extracted answer over samples (ties: the earliest sample's). */
  majority: OutcomeCounts & AccuracyRange;
  /** pass@k with k = samples (unbiased estimator); only with two samples or more. */
  passAtK?: { k: number; value: number; upper: number };
}

export interface AccuracyRange {
  /** correct / total, 0..1; null when total is 0. */
  accuracy: number | null;
  /** (correct + undetermined) / total: what it would be if every undetermined unit were correct. */
  upper: number | null;
}

interface Cell {
  outcome: UnitOutcome;
  extracted?: string;
}

/** The outcome of one auto grade: its verdict when it has one, else what older records say. */
export function autoOutcome(g: GradeRecord): VerdictOutcome | 'failed' {
  if (g.verdict) return g.verdict.outcome;
  if (g.status === 'undetermined') return 'undetermined';
  if (g.status === 'ungraded') return 'failed';
  // Before verdicts, "no final answer" was graded 0; it is the checker not deciding, not a wrong answer.
  if (/^no final answer/i.test(g.note ?? '')) return 'undetermined';
  return Object.values(g.items).some((i) => i.points > 0) ? 'correct' : 'incorrect';
}

const normAnswer = (s: string) =>
  s
    .replace(/\s+/g, '')
    .replace(/^\$+|\$+$/g, '')
    .toLowerCase();

function counts(cells: Cell[]): OutcomeCounts & AccuracyRange {
  const c: OutcomeCounts = { correct: 0, incorrect: 0, undetermined: 0, notGraded: 0, total: cells.length };
  for (const x of cells) {
    if (x.outcome === 'correct' || x.outcome === 'incorrect' || x.outcome === 'undetermined') c[x.outcome]++;
    else c.notGraded++;
  }
  return {
    ...c,
    accuracy: c.total ? c.correct / c.total : null,
    upper: c.total ? (c.correct + c.undetermined) / c.total : null,
  };
}

/** Most frequent extracted answer (ties: the earliest sample); without answers, the most frequent outcome. */
export function majorityCell(cells: Cell[]): Cell {
  const withAnswer = cells.filter((c) => c.extracted !== undefined && c.outcome !== 'failed');
  const pool = withAnswer.length ? withAnswer : cells;
  const key = (c: Cell) => (withAnswer.length ? normAnswer(c.extracted!) : c.outcome);
  const tally = new Map<string, { n: number; first: Cell }>();
  for (const c of pool) {
    const t = tally.get(key(c));
    if (t) t.n++;
    else tally.set(key(c), { n: 1, first: c });
  }
  let best: { n: number; first: Cell } | undefined;
  for (const t of tally.values()) if (!best || t.n > best.n) best = t;
  return best?.first ?? { outcome: 'missing' };
}

/** Unbiased pass@k (Chen et al. 2021): 1 − C(n−c, k) / C(n, k). */
export function passAtK(n: number, c: number, k: number): number {
  if (n - c < k) return 1;
  let p = 1;
  for (let i = n - c + 1; i <= n; i++) p *= 1 - k / i;
  return 1 - p;
}

/**
 * Accuracy per model. A unit counts when the automatic checker graded it for some response in the run (it has
 * an answer key and auto items); responses are matched to it through their `unitIds`.
 */
export function finalAnswerAccuracy(responses: ResponseRecord[], grades: GradeRecord[]): FinalAnswerAccuracy[] {
  const auto = new Map<string, GradeRecord>();
  for (const g of latestGrades(grades)) {
    if (g.grader.kind === 'auto') auto.set(`${g.responseId}\u0000${g.unitId}`, g);
  }
  const checked = new Set([...auto.values()].map((g) => g.unitId));
  const models = [...new Set(responses.map((r) => r.model))];
  return models.map((model) => {
    const mine = responses.filter((r) => r.model === model);
    const samples = [...new Set(mine.map((r) => r.sample))].sort((a, b) => a - b);
    // unit → sample → cell
    const grid = new Map<string, Map<number, Cell>>();
    for (const r of mine) {
      for (const u of r.unitIds) {
        if (!checked.has(u)) continue;
        const g = auto.get(`${r.id}\u0000${u}`);
        let cell: Cell;
        if (r.error || r.text === undefined) cell = { outcome: 'failed' };
        else if (g) {
          const o = autoOutcome(g);
          cell = { outcome: o === 'failed' ? 'missing' : o, extracted: g.verdict?.extracted ?? g.raw };
        } else if (!r.text.trim()) cell = { outcome: 'unanswered' };
        else cell = { outcome: 'missing' };
        const row = grid.get(u) ?? new Map<number, Cell>();
        row.set(r.sample, cell);
        grid.set(u, row);
      }
    }
    // A unit some sample did not answer at all still counts against that sample.
    const all: Cell[] = [];
    const majority: Cell[] = [];
    let passSum = 0;
    let passUpper = 0;
    for (const row of grid.values()) {
      const cells = samples.map((s) => row.get(s) ?? { outcome: 'unanswered' as const });
      all.push(...cells);
      majority.push(majorityCell(cells));
      const c = cells.filter((x) => x.outcome === 'correct').length;
      const u = cells.filter((x) => x.outcome === 'undetermined').length;
      passSum += passAtK(cells.length, c, cells.length);
      passUpper += passAtK(cells.length, c + u, cells.length);
    }
    const out: FinalAnswerAccuracy = {
      model,
      units: grid.size,
      samples: samples.length,
      perSample: counts(all),
      majority: counts(majority),
    };
    if (samples.length >= 2 && grid.size) {
      out.passAtK = { k: samples.length, value: passSum / grid.size, upper: passUpper / grid.size };
    }
    return out;
  });
}
