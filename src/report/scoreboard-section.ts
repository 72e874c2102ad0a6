import { partMaxPoints } from '../exam/model.js';
import type { Exam } from '../exam/schema.js';
import { DEFAULT_PRECEDENCE } from '../grading/score.js';
import type { Empty, Hints } from './empty-section.js';
import type { ScoreModelInput } from './inputs.js';
import type { ModelRef } from './model-names.js';
import { type AccuracyView, ALPHA, type Comparison, type Provenance, type ScoreboardExtras } from './scoreboard.js';

/** The Scoreboard section: the models ranked by score, with part subtotals, intervals and pairwise tests. */

export interface ScoreboardRow {
  rank: number;
  model: ModelRef;
  points: number;
  maxPoints: number;
  percent: number;
  samples: number;
  ci?: { low: number; high: number };
  /** Percent interval from resampling questions (needs MIN_POINTS questions). */
  questionCi?: { low: number; high: number };
  parts: { id: string; points: number; maxPoints: number; percent: number }[];
  /** Whose grades the points are, how much of the rubric each grader kind scored, and units without a grade. */
  provenance?: Provenance;
  accuracy?: AccuracyView;
  /** The paired test against the next model down. */
  vsNext?: { label: string } & Comparison;
}

export interface MatrixCell {
  diff: number;
  p: number;
  ahead: boolean;
  behind: boolean;
}

export interface ScoreboardSection {
  rows: ScoreboardRow[];
  parts: { id: string; title: string; maxPoints: number }[];
  empty?: Empty;
  anySamples: boolean;
  /** Every pair of models (scoreboard order): A's points minus B's, and the paired test's p-value. */
  matrix: { models: ModelRef[]; rows: { model: ModelRef; cells: (MatrixCell | null)[] }[] };
  precedence: string;
  questionsCount: number;
  caveat?: string;
}

export function scoreboardSection(
  exam: Exam,
  scored: ScoreModelInput[],
  modelOf: Map<string, ModelRef>,
  extras: ScoreboardExtras,
  hints: Hints,
): ScoreboardSection {
  const parts = exam.parts.map((p) => ({ id: p.id, title: p.title, maxPoints: partMaxPoints(p) }));
  const rows: ScoreboardRow[] = scored.map((m, i) => ({
    rank: i + 1,
    model: modelOf.get(m.model)!,
    points: m.points,
    maxPoints: m.maxPoints,
    percent: m.percent,
    samples: m.samples ?? 1,
    ci: ciOf(m),
    questionCi: extras.questionCi.get(m.model),
    provenance: extras.provenance.get(m.model),
    accuracy: extras.accuracy.get(m.model),
    vsNext:
      i + 1 < scored.length
        ? (() => {
            const c = extras.compare(m.model, scored[i + 1].model);
            return c ? { label: modelOf.get(scored[i + 1].model)!.label, ...c } : undefined;
          })()
        : undefined,
    parts: parts.map((p) => {
      const got = m.parts.find((x) => x.id === p.id);
      const max = got?.maxPoints ?? p.maxPoints;
      return { id: p.id, points: got?.points ?? 0, maxPoints: max, percent: pct(got?.points ?? 0, max) };
    }),
  }));
  return {
    rows,
    parts,
    anySamples: rows.some((r) => r.samples > 1),
    matrix: pairMatrix(
      rows.map((r) => r.model),
      extras.compare,
    ),
    precedence: DEFAULT_PRECEDENCE.join(' > '),
    questionsCount: extras.questions,
    caveat: extras.caveat,
    empty: rows.length
      ? undefined
      : {
          message: 'No scores yet: grade the answers, then score them.',
          command: `heldout grade ${hints.runDir} --auto && heldout score ${hints.runDir}`,
        },
  };
}

/** The score's interval is in points; the scoreboard shows percent. */
function ciOf(m: ScoreModelInput): { low: number; high: number } | undefined {
  const c = m.ci95;
  if (c?.length !== 2 || !(m.maxPoints > 0)) return undefined;
  return { low: (100 * c[0]) / m.maxPoints, high: (100 * c[1]) / m.maxPoints };
}

const pct = (p: number, max: number) => (max > 0 ? (100 * p) / max : 0);

function pairMatrix(
  models: ModelRef[],
  compare: (a: string, b: string) => Comparison | undefined,
): ScoreboardSection['matrix'] {
  // The test is symmetric: compute each pair once and mirror it.
  const cells = models.map(() => models.map((): MatrixCell | null => null));
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const c = compare(models[i].spec, models[j].spec);
      if (!c) continue;
      const sig = c.p < ALPHA;
      cells[i][j] = { diff: c.diff, p: c.p, ahead: sig && c.diff > 0, behind: sig && c.diff < 0 };
      cells[j][i] = { diff: -c.diff, p: c.p, ahead: sig && c.diff < 0, behind: sig && c.diff > 0 };
    }
  }
  return { models, rows: models.map((model, i) => ({ model, cells: cells[i] })) };
}
