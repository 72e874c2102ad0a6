import type { Unit } from '../exam/model.js';
import type { RubricTarget } from '../exam/schema.js';
import { type FinalAnswerAccuracy, finalAnswerAccuracy } from '../grading/accuracy.js';
import { type ModelCoverage, rubricCoverage } from '../grading/coverage.js';
import { bootstrapRatioCi, MIN_POINTS, type PairedTest, pairedPermutationTest } from '../grading/paired.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';
import type { ScoreModelInput } from './inputs.js';

/**
 * What the scoreboard says beside each total: whose grades made it and how much of the rubric they covered,
 * final-answer accuracy, a bootstrap interval over questions, and whether the model is ahead of the next one
 * (a paired test over questions). Everything is computed from the grade records and the score.
 */

/** "A beats B" is said below this p-value only. */
export const ALPHA = 0.05;

export interface Provenance {
  kinds: { kind: string; points: number; covered: number; coveredPercent: number }[];
  rubricPoints: number;
  undetermined: number;
  notGraded: number;
  failed: number;
}

export interface AccuracyView {
  /** Percent, with the range up to "every undetermined unit correct". */
  perSample: { percent: number; upper: number; correct: number; total: number; undetermined: number };
  majority?: { percent: number; upper: number; correct: number; total: number };
  passAtK?: { k: number; percent: number; upper: number };
  units: number;
}

export interface Comparison {
  /** Points of A minus points of B (totals). */
  diff: number;
  p: number;
  exact: boolean;
  n: number;
  /** p < ALPHA and A ahead. */
  ahead: boolean;
  ci?: [number, number];
}

export interface ScoreboardExtras {
  provenance: Map<string, Provenance>;
  accuracy: Map<string, AccuracyView>;
  /** Percent interval from resampling questions (when at least MIN_POINTS questions). */
  questionCi: Map<string, { low: number; high: number }>;
  /** For each pair of models, by `${a}\u0000${b}` in scoreboard order. */
  compare: (a: string, b: string) => Comparison | undefined;
  questions: number;
  /** Shown when there are too few questions for intervals and tests. */
  caveat?: string;
}

const pct = (x: number | null) => (x === null ? 0 : 100 * x);

function accuracyView(a: FinalAnswerAccuracy): AccuracyView | undefined {
  if (!a.units) return undefined;
  const ps = a.perSample;
  return {
    units: a.units,
    perSample: {
      percent: pct(ps.accuracy),
      upper: pct(ps.upper),
      correct: ps.correct,
      total: ps.total,
      undetermined: ps.undetermined,
    },
    majority:
      a.samples > 1
        ? {
            percent: pct(a.majority.accuracy),
            upper: pct(a.majority.upper),
            correct: a.majority.correct,
            total: a.majority.total,
          }
        : undefined,
    passAtK: a.passAtK ? { k: a.passAtK.k, percent: 100 * a.passAtK.value, upper: 100 * a.passAtK.upper } : undefined,
  };
}

function provenance(c: ModelCoverage): Provenance {
  return {
    rubricPoints: c.rubricPoints,
    kinds: c.kinds.map((k) => ({
      ...k,
      coveredPercent: c.rubricPoints ? (100 * k.covered) / c.rubricPoints : 0,
    })),
    undetermined: c.states.undetermined,
    notGraded: c.states.ungraded + c.states.missing,
    failed: c.states.failed,
  };
}

/** Per-question points that count towards the total (a question a `choose` rule dropped counts 0). */
export function countedQuestionPoints(m: ScoreModelInput): number[] {
  return m.questions.map((q) => (q.counted === false ? 0 : q.points));
}

export function scoreboardExtras(
  scored: ScoreModelInput[],
  units: Unit[],
  marking: Record<string, RubricTarget>,
  responses: ResponseRecord[],
  grades: GradeRecord[],
): ScoreboardExtras {
  const dropped = new Set(
    scored.flatMap((m) => m.questions.filter((q) => q.counted === false).map((q) => `${m.model}\u0000${q.id}`)),
  );
  const cov = new Map(
    rubricCoverage(units, marking, responses, grades, undefined, (m, q) => !dropped.has(`${m}\u0000${q}`)).map((c) => [
      c.model,
      provenance(c),
    ]),
  );
  const acc = new Map<string, AccuracyView>();
  for (const a of finalAnswerAccuracy(responses, grades)) {
    const v = accuracyView(a);
    if (v) acc.set(a.model, v);
  }
  const values = new Map(scored.map((m) => [m.model, countedQuestionPoints(m)]));
  const questionCi = new Map<string, { low: number; high: number }>();
  for (const m of scored) {
    // Percent of the points at stake: a question a `choose` rule dropped is at stake for nobody.
    const weights = m.questions.map((q) => (q.counted === false ? 0 : q.maxPoints));
    const ci = bootstrapRatioCi(values.get(m.model)!, weights, { seed: 1 });
    if (ci) questionCi.set(m.model, { low: 100 * ci[0], high: 100 * ci[1] });
  }
  const cache = new Map<string, Comparison | undefined>();
  const compare = (a: string, b: string): Comparison | undefined => {
    const key = `${a}\u0000${b}`;
    if (cache.has(key)) return cache.get(key);
    const va = values.get(a);
    const vb = values.get(b);
    let out: Comparison | undefined;
    if (va && vb && va.length === vb.length) {
      const t: PairedTest | undefined = pairedPermutationTest(va, vb, { resamples: 4000, seed: 1, ci: false });
      if (t) out = { diff: t.diff, p: t.p, exact: t.exact, n: t.n, ahead: t.p < ALPHA && t.diff > 0, ci: t.ci };
    }
    cache.set(key, out);
    return out;
  };
  const questions = scored[0]?.questions.length ?? 0;
  return {
    provenance: cov,
    accuracy: acc,
    questionCi,
    compare,
    questions,
    caveat:
      scored.length && questions < MIN_POINTS
        ? `Only ${questions} question${questions === 1 ? '' : 's'}: no interval over questions and no paired test are drawn (they need at least ${MIN_POINTS}).`
        : undefined,
  };
}
