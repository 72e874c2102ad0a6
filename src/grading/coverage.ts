import type { Unit } from '../exam/model.js';
import type { RubricTarget } from '../exam/schema.js';
import { latestGrades } from '../store/grades.js';
import { type GradeRecord, type GraderKind, graderKinds, type ResponseRecord } from '../store/records.js';
import { DEFAULT_PRECEDENCE, pickUnitGrade } from './score.js';

/**
 * Where a model's points come from: per grader kind, the points that kind's grades produced under the score's
 * precedence, and how much of the rubric it scored at all ("auto covers 47 of 117 rubric points"); and the state
 * of every unit answer (graded, undetermined, ungraded, missing, failed). Means over samples.
 */

export type UnitState = 'graded' | 'undetermined' | 'ungraded' | 'missing' | 'failed' | 'unanswered';

export interface KindShare {
  kind: GraderKind;
  /** Points in the score that came from this kind's grades (questions a `choose` rule dropped excluded). */
  points: number;
  /** Rubric points this kind scored (awarded or not) on the model's answers. */
  covered: number;
}

export interface ModelCoverage {
  model: string;
  /** Sum of the points of every unit of the exam (before `choose` rules): the coverage denominator. */
  rubricPoints: number;
  kinds: KindShare[];
  /** Unit answers per state, summed over samples. */
  states: Record<UnitState, number>;
}

/** The rubric points a grade scored: the items it gave points for (zero included) that the rubric lists. */
export function coveredPoints(g: GradeRecord, target: RubricTarget | undefined, unitPoints: number): number {
  if (!target) return g.status === 'graded' && g.grader.kind !== 'auto' ? unitPoints : 0;
  const ids = new Set(Object.keys(g.items));
  return target.items.filter((i) => ids.has(i.id)).reduce((s, i) => s + i.points, 0);
}

export function unitState(response: ResponseRecord, grades: GradeRecord[], precedence: GraderKind[]): UnitState {
  if (response.error || response.text === undefined) return 'failed';
  if (!response.text.trim()) return 'unanswered';
  const mine = grades.filter((g) => precedence.includes(g.grader.kind));
  if (mine.some((g) => g.status === 'graded')) return 'graded';
  if (mine.some((g) => g.status === 'undetermined')) return 'undetermined';
  if (mine.some((g) => g.status === 'ungraded')) return 'ungraded';
  return 'missing';
}

export function rubricCoverage(
  units: Unit[],
  marking: Record<string, RubricTarget>,
  responses: ResponseRecord[],
  grades: GradeRecord[],
  precedence: GraderKind[] = DEFAULT_PRECEDENCE,
  /** Whether a question counts towards the model's total (false for one a `choose` rule dropped). */
  counts: (model: string, questionId: string) => boolean = () => true,
): ModelCoverage[] {
  const unitOf = new Map(units.map((u) => [u.id, u]));
  const rubricPoints = units.reduce((s, u) => s + u.points, 0);
  const byUnit = new Map<string, GradeRecord[]>();
  for (const g of latestGrades(grades)) {
    const k = `${g.responseId}\u0000${g.unitId}`;
    byUnit.set(k, [...(byUnit.get(k) ?? []), g]);
  }
  const models = [...new Set(responses.map((r) => r.model))];
  return models.map((model) => {
    const mine = responses.filter((r) => r.model === model);
    const samples = Math.max(1, new Set(mine.map((r) => r.sample)).size);
    const points = new Map<GraderKind, number>();
    const covered = new Map<GraderKind, number>();
    const states: Record<UnitState, number> = {
      graded: 0,
      undetermined: 0,
      ungraded: 0,
      missing: 0,
      failed: 0,
      unanswered: 0,
    };
    for (const r of mine) {
      for (const uid of r.unitIds) {
        const unit = unitOf.get(uid);
        if (!unit) continue;
        const gs = byUnit.get(`${r.id}\u0000${uid}`) ?? [];
        states[unitState(r, gs, precedence)]++;
        if (r.error || r.text === undefined || !r.text.trim()) continue;
        const pick = pickUnitGrade(gs, precedence);
        if (pick.kind && counts(model, unit.questionId))
          points.set(pick.kind, (points.get(pick.kind) ?? 0) + Math.min(pick.points, unit.points));
        for (const kind of graderKinds) {
          // Two graders of one kind (two people) do not cover a unit twice: the most either scored counts.
          const best = Math.max(
            0,
            ...gs
              .filter((g) => g.grader.kind === kind && g.status === 'graded')
              .map((g) => coveredPoints(g, marking[uid], unit.points)),
          );
          if (best) covered.set(kind, (covered.get(kind) ?? 0) + best);
        }
      }
    }
    const round = (x: number) => Math.round((1000 * x) / samples) / 1000;
    const kinds = graderKinds
      .filter((k) => points.has(k) || covered.has(k))
      .map((kind) => ({ kind, points: round(points.get(kind) ?? 0), covered: round(covered.get(kind) ?? 0) }));
    return { model, rubricPoints, kinds, states };
  });
}
