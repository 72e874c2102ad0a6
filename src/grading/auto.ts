import type { GradeRecord, ResponseRecord } from '../store/records.js';
import {
  gradableUnits,
  loadRunContext,
  type RunContext,
  type RunContextOptions,
  rubricFor,
  unitLabelPath,
} from './context.js';
import { answersEqual } from './equivalence.js';
import { extractUnitAnswers } from './extract.js';
import { applyRubric } from './rubric-apply.js';
import { appendGrades } from './store.js';

export const AUTO_GRADER = { kind: 'auto', id: 'auto' } as const;

export interface AutoSummary {
  graded: number;
  correct: number;
  /** Graded 0 because the response states no final answer. */
  noAnswer: number;
  /** Units with no machine-checkable answer or no `auto` rubric item. */
  skipped: number;
  /** Responses that failed (an `error` record): not graded at all. */
  failed: number;
}

/**
 * The automatic check: for each unit with an `answer` and `auto: true` rubric items, extract the final
 * answer from the response and award exactly the auto items when it is equal, nothing else. A response
 * that states no final answer is graded 0 with a note; a response that failed (`error`) is not graded.
 */
export function gradeAuto(
  ctx: Pick<RunContext, 'units' | 'rubric' | 'responses'>,
  opts: { now?: () => string } = {},
): { grades: GradeRecord[]; summary: AutoSummary } {
  const now = opts.now ?? (() => new Date().toISOString());
  const grades: GradeRecord[] = [];
  const summary: AutoSummary = { graded: 0, correct: 0, noAnswer: 0, skipped: 0, failed: 0 };
  for (const r of ctx.responses) {
    if (r.error || r.text === undefined) {
      summary.failed++;
      continue;
    }
    grades.push(...gradeResponseAuto(ctx, r, summary, now()));
  }
  return { grades, summary };
}

function gradeResponseAuto(
  ctx: Pick<RunContext, 'units' | 'rubric'>,
  r: ResponseRecord,
  summary: AutoSummary,
  at: string,
): GradeRecord[] {
  const units = gradableUnits(ctx, r);
  const checkable = units.filter((u) => u.answer && rubricFor(ctx, u.id)!.items.some((i) => i.auto));
  summary.skipped += units.length - checkable.length;
  if (!checkable.length) return [];
  // Extract against all the response's units, so each sub-part's section is cut correctly.
  const answers = extractUnitAnswers(
    r.text ?? '',
    units.map((u) => ({ id: u.id, path: unitLabelPath(u) })),
  );
  return checkable.map((unit) => {
    const target = rubricFor(ctx, unit.id)!;
    const autoItems = target.items.filter((i) => i.auto);
    const found = answers.get(unit.id);
    summary.graded++;
    if (!found) {
      summary.noAnswer++;
      const items = Object.fromEntries(autoItems.map((i) => [i.id, { points: 0, reason: 'no final answer found' }]));
      return {
        responseId: r.id,
        unitId: unit.id,
        grader: { ...AUTO_GRADER },
        status: 'graded' as const,
        items,
        total: 0,
        maxPoints: unit.points,
        note: 'no final answer found (no \\boxed{}, "answer:" line or displayed expression)',
        at,
      };
    }
    const cmp = answersEqual(found.text, unit.answer!);
    if (cmp.undetermined) {
      // Over the comparison budget (answer-budget.ts): no decision, never a silent 0.
      const reason = `undetermined: ${cmp.detail ?? 'could not compare'}`;
      const items = Object.fromEntries(autoItems.map((i) => [i.id, { points: 0, reason }]));
      const note = `answer ${JSON.stringify(found.text.slice(0, 200))} (${found.source}): ${reason}`;
      return {
        responseId: r.id,
        unitId: unit.id,
        grader: { ...AUTO_GRADER },
        status: 'undetermined' as const,
        items,
        total: 0,
        maxPoints: unit.points,
        note,
        at,
      };
    }
    if (cmp.equal) summary.correct++;
    const reason = cmp.equal ? 'final answer correct' : `final answer incorrect${cmp.detail ? ` (${cmp.detail})` : ''}`;
    const applied = applyRubric(target, unit.points, {
      items: Object.fromEntries(autoItems.map((i) => [i.id, { points: cmp.equal ? i.points : 0, reason }])),
    });
    // Only the auto items: auto says nothing about the working.
    const items = Object.fromEntries(autoItems.map((i) => [i.id, applied.items[i.id]]));
    const notes = [`answer ${JSON.stringify(found.text)} (${found.source}): ${cmp.equal ? 'correct' : 'incorrect'}`];
    if (applied.notes.length) notes.push(...applied.notes);
    return {
      responseId: r.id,
      unitId: unit.id,
      grader: { ...AUTO_GRADER },
      status: 'graded' as const,
      items,
      ...(applied.caps.length ? { caps: applied.caps } : {}),
      total: applied.total,
      maxPoints: unit.points,
      note: notes.join('; '),
      raw: found.text,
      at,
    };
  });
}

/** Loads a run, grades it automatically and appends the new grades to grades.jsonl. */
export function gradeRunAuto(
  runDir: string,
  opts: RunContextOptions = {},
): AutoSummary & { written: number; ctx: RunContext } {
  const ctx = loadRunContext(runDir, opts);
  const { grades, summary } = gradeAuto(ctx);
  return { ...summary, written: appendGrades(ctx.runDir, grades), ctx };
}
