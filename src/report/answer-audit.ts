import type { Unit } from '../exam/model.js';
import type { RubricTarget } from '../exam/schema.js';
import { autoOutcome } from '../grading/accuracy.js';
import { type UnitState, unitState } from '../grading/coverage.js';
import { DEFAULT_PRECEDENCE } from '../grading/score.js';
import { truncateForDisplay } from '../html/escape.js';
import { latestGrades } from '../store/grades.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';

/**
 * The grading audit under each answer: per unit, what the automatic checker read, each grader's points per rubric
 * item with their reasons, and where graders disagree.
 */

const REASON_DISPLAY_CHARS = 2_000;

export interface GraderAward {
  grader: string;
  points?: number;
  reason?: string;
}

export interface AnswerUnit {
  unitId: string;
  label: string;
  maxPoints: number;
  /** graded, undetermined (the checker could not decide), ungraded (a grader failed), missing, failed, unanswered. */
  state: UnitState;
  /** What the automatic checker read and compared, when it ran. */
  verdict?: {
    outcome: string;
    extracted?: string;
    key?: string;
    rule?: string;
    source?: string;
    confidence?: number;
    reason?: string;
  };
  /** The exam's answer key for this unit, as text. */
  key?: string;
  graders: { id: string; kind: string; total?: number; status: string; note?: string; caps: string[] }[];
  items: { id: string; points: number; criterion: string; auto: boolean; awards: GraderAward[]; disagree: boolean }[];
  disagree: boolean;
}

/**
 * The current grade per (response, unit, grader), grouped by unit. The same rule as the score's (the last record in
 * the file wins), so the scoreboard and the answer view cannot disagree, whatever the records' clocks say.
 */
export function gradesByUnitOf(grades: GradeRecord[]): Map<string, GradeRecord[]> {
  const byUnit = new Map<string, GradeRecord[]>();
  for (const g of latestGrades(grades)) {
    const key = `${g.responseId}\u0000${g.unitId}`;
    byUnit.set(key, [...(byUnit.get(key) ?? []), g]);
  }
  const order = { auto: 0, judge: 1, human: 2 } as Record<string, number>;
  for (const list of byUnit.values()) {
    list.sort(
      (a, b) => (order[a.grader.kind] ?? 3) - (order[b.grader.kind] ?? 3) || a.grader.id.localeCompare(b.grader.id),
    );
  }
  return byUnit;
}

/** An answer key as a reader would write it. */
export function keyText(answer: Unit['answer']): string | undefined {
  if (!answer) return undefined;
  const v = answer.value;
  if (!Array.isArray(v)) return String(v);
  return answer.kind === 'tuple' ? `(${v.join(', ')})` : `{${v.join(', ')}}`;
}

export function answerUnits(
  response: ResponseRecord,
  unitIds: string[],
  units: Map<string, Unit>,
  marking: Record<string, RubricTarget>,
  grades: (u: string) => GradeRecord[],
): AnswerUnit[] {
  return unitIds.map((unitId) => {
    const unit = units.get(unitId);
    const target = marking[unitId];
    const gs = grades(unitId);
    const graded = gs.filter((g) => g.status === 'graded');
    const autoGrade = gs.find((g) => g.grader.kind === 'auto');
    const v = autoGrade?.verdict;
    const items = (target?.items ?? []).map((item) => {
      const awards: GraderAward[] = graded.map((g) => {
        const a = g.items[item.id];
        const reason = a?.reason ? truncateForDisplay(a.reason, REASON_DISPLAY_CHARS).text : undefined;
        return { grader: g.grader.id, points: a?.points, reason };
      });
      // The automatic check only speaks for `auto` items; its silence on the others is not a disagreement.
      const voices = graded
        .map((g, i) => ({ g, a: awards[i] }))
        .filter(({ g, a }) => a.points !== undefined && (g.grader.kind !== 'auto' || item.auto === true));
      const disagree = new Set(voices.map((v) => v.a.points)).size > 1;
      return {
        id: item.id,
        points: item.points,
        criterion: item.criterion,
        auto: item.auto === true,
        awards,
        disagree,
      };
    });
    // Items the graders awarded that the rubric does not list (e.g. an edited rubric) are still shown.
    const known = new Set(items.map((i) => i.id));
    for (const id of [...new Set(graded.flatMap((g) => Object.keys(g.items)))].filter((id) => !known.has(id)).sort()) {
      const awards = graded.map((g) => ({
        grader: g.grader.id,
        points: g.items[id]?.points,
        reason: g.items[id]?.reason,
      }));
      items.push({ id, points: 0, criterion: '(not in the rubric)', auto: false, awards, disagree: false });
    }
    // The automatic check only totals the `auto` items, so its total is not comparable with a full grading.
    const totals = new Set(graded.filter((g) => g.grader.kind !== 'auto').map((g) => g.total));
    return {
      unitId,
      label: unit ? unit.labels.join(' ') : unitId,
      maxPoints: unit?.points ?? gs[0]?.maxPoints ?? 0,
      state: unitState(response, gs, DEFAULT_PRECEDENCE),
      verdict: v
        ? {
            outcome: v.outcome,
            extracted:
              v.extracted !== undefined ? truncateForDisplay(v.extracted, REASON_DISPLAY_CHARS).text : undefined,
            key: v.key,
            rule: v.rule,
            source: v.source,
            confidence: v.confidence,
            reason: v.reason ? truncateForDisplay(v.reason, REASON_DISPLAY_CHARS).text : undefined,
          }
        : autoGrade?.raw !== undefined
          ? { outcome: autoOutcome(autoGrade), extracted: truncateForDisplay(autoGrade.raw, REASON_DISPLAY_CHARS).text }
          : undefined,
      key: keyText(unit?.answer),
      graders: gs.map((g) => ({
        id: g.grader.id,
        kind: g.grader.kind,
        total: g.status === 'graded' ? g.total : undefined,
        status: g.status,
        note: g.note ? truncateForDisplay(g.note, REASON_DISPLAY_CHARS).text : undefined,
        caps: g.caps ?? [],
      })),
      items,
      disagree: items.some((i) => i.disagree) || totals.size > 1,
    };
  });
}
