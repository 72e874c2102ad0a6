import type { Answer } from '../exam/schema.js';
import { splitTopLevel } from '../latex/brackets.js';
import type { GradeRecord, ResponseRecord, Verdict } from '../store/records.js';
import { answerForms, keyIsNone, statesNone } from './answer-forms.js';
import { checkablePart } from './checkable.js';
import {
  gradableUnits,
  loadRunContext,
  type RunContext,
  type RunContextOptions,
  rubricFor,
  unitLabelPath,
} from './context.js';
import { answersEqual, type Comparison } from './equivalence.js';
import { type AnswerReading, readUnitAnswers } from './extract.js';
import { appendGrades } from './grade-writer.js';
import { applyRubric } from './rubric-apply.js';

export const AUTO_GRADER = { kind: 'auto', id: 'auto' } as const;

export interface AutoSummary {
  /** Unit answers the checker looked at. */
  graded: number;
  correct: number;
  incorrect: number;
  /** The checker could not decide: no final answer, truncated, ambiguous, unreadable or low confidence. */
  undetermined: number;
  /** Units with no machine-checkable answer or no `auto` rubric item. */
  skipped: number;
  /** Responses that failed (an `error` record): not graded at all. */
  failed: number;
  /** Responses that are empty (a blank sheet cell): unanswered, not graded. */
  unanswered: number;
}

/** The answer key as a human would write it. */
export function keyText(a: Answer): string {
  if (!Array.isArray(a.value)) return String(a.value);
  const inner = a.value.map(String).join(', ');
  return a.kind === 'set' ? `{${inner}}` : a.kind === 'tuple' ? `(${inner})` : inner;
}

/** A comparison that could not read the answer is no evidence that it is wrong. */
function unreadable(cmp: Comparison): boolean {
  return Boolean(cmp.undetermined) || /^(?:not an? |could not compare)/.test(cmp.detail ?? '');
}

const isSingle = (key: Answer) => ['number', 'fraction', 'expression', 'choice'].includes(key.kind);
const severalValues = (text: string) =>
  splitTopLevel(text.replace(/^\\?\{|\\?\}$/g, '').replace(/^[^=]*=/, '')).length > 1;

/** The checker's verdict on one unit: correct, incorrect, or undetermined with the reason. */
export function judgeReading(reading: AnswerReading | undefined, key: Answer): Verdict {
  const base = {
    key: keyText(key),
    rule: key.kind,
    ...(reading?.answer
      ? { extracted: reading.answer.text, source: reading.answer.source, confidence: reading.answer.confidence }
      : {}),
  };
  if (!reading?.answer || reading.undetermined)
    return { outcome: 'undetermined', ...base, reason: reading?.undetermined ?? 'no final answer found' };
  const text = reading.answer.text;
  if (statesNone(text) || keyIsNone(key)) {
    const same = statesNone(text) && keyIsNone(key);
    if (same) return { outcome: 'correct', ...base, rule: `${key.kind}: no solution` };
    if (statesNone(text)) return { outcome: 'incorrect', ...base, reason: 'it says there is no solution' };
  }
  const cmp = answersEqual(text, key);
  if (cmp.equal) return { outcome: 'correct', ...base };
  // Over the comparison budget (answer-budget.ts): no decision, never a silent 0.
  if (cmp.undetermined) return { outcome: 'undetermined', ...base, reason: cmp.detail ?? 'could not compare' };
  let read: Comparison | undefined = unreadable(cmp) ? undefined : cmp;
  for (const form of answerForms(text, key).slice(1)) {
    const c = answersEqual(form.text, form.key ?? key);
    if (c.equal) return { outcome: 'correct', ...base, rule: `${key.kind} (${form.how})` };
    if (!read && !unreadable(c) && !form.key) read = c;
  }
  // Read in another form ("50 km/h" as 50) and still not equal: wrong, not unreadable.
  if (read && unreadable(cmp) && !(isSingle(key) && severalValues(text)))
    return { outcome: 'incorrect', ...base, ...(read.detail ? { reason: read.detail } : {}) };
  // Several values where the key is one ("{3, -7}", "6 or 7", "72 (if …) or 18 (if …)"): a hedge or an extra value.
  // Neither is a right answer, and which it is a reviewer decides.
  if (
    isSingle(key) &&
    (cmp.detail === 'several different values' || (unreadable(cmp) && severalValues(reading.answer.text)))
  )
    return { outcome: 'undetermined', ...base, reason: 'it states several values where one is asked' };
  if (unreadable(cmp))
    return { outcome: 'undetermined', ...base, reason: `could not read the answer as a ${key.kind}: ${cmp.detail}` };
  return { outcome: 'incorrect', ...base, ...(cmp.detail ? { reason: cmp.detail } : {}) };
}

/**
 * The automatic check: for each unit with an `answer` and `auto: true` rubric items, read the final answer from the
 * response and decide correct, incorrect or undetermined. Correct awards exactly the auto items, incorrect none;
 * undetermined awards nothing and is recorded as such (status `undetermined`), never as a 0. Every grade carries
 * the verdict: the extracted answer, its source and confidence, the key and the rule that compared them.
 */
export function gradeAuto(
  ctx: Pick<RunContext, 'units' | 'rubric' | 'responses'>,
  opts: { now?: () => string } = {},
): { grades: GradeRecord[]; summary: AutoSummary } {
  const now = opts.now ?? (() => new Date().toISOString());
  const grades: GradeRecord[] = [];
  const summary: AutoSummary = {
    graded: 0,
    correct: 0,
    incorrect: 0,
    undetermined: 0,
    skipped: 0,
    failed: 0,
    unanswered: 0,
  };
  for (const r of ctx.responses) {
    if (r.error || r.text === undefined) {
      summary.failed++;
      continue;
    }
    if (!r.text.trim()) {
      summary.unanswered++;
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
  // Read against all the response's units, so each sub-part's section is cut correctly.
  const readings = readUnitAnswers(
    r.text ?? '',
    units.map((u) => ({ id: u.id, path: unitLabelPath(u), hint: { kind: u.answer?.kind } })),
    { finishReason: r.finishReason },
  );
  return checkable.map((unit) => {
    const target = rubricFor(ctx, unit.id)!;
    const { target: checkable, notes: left } = checkablePart(target);
    const autoItems = checkable.items;
    const verdict = judgeReading(readings.get(unit.id), unit.answer!);
    summary.graded++;
    summary[
      verdict.outcome === 'correct' ? 'correct' : verdict.outcome === 'incorrect' ? 'incorrect' : 'undetermined'
    ]++;
    const shown =
      verdict.extracted === undefined
        ? 'no answer read'
        : `answer ${JSON.stringify(verdict.extracted)} (${verdict.source})`;
    const base = {
      responseId: r.id,
      unitId: unit.id,
      grader: { ...AUTO_GRADER },
      maxPoints: unit.points,
      verdict,
      ...(verdict.extracted !== undefined ? { raw: verdict.extracted } : {}),
      at,
    };
    if (verdict.outcome === 'undetermined') {
      return {
        ...base,
        status: 'undetermined' as const,
        items: {},
        total: 0,
        note: `undetermined: ${verdict.reason}; ${shown}; key ${verdict.key}`,
      };
    }
    const correct = verdict.outcome === 'correct';
    const reason = correct
      ? 'final answer correct'
      : `final answer incorrect${verdict.reason ? ` (${verdict.reason})` : ''}`;
    const applied = applyRubric(checkable, unit.points, {
      items: Object.fromEntries(autoItems.map((i) => [i.id, { points: correct ? i.points : 0, reason }])),
    });
    // Only the auto items: auto says nothing about the working.
    const items = Object.fromEntries(autoItems.map((i) => [i.id, applied.items[i.id]]));
    const notes = [`${shown}: ${verdict.outcome}; key ${verdict.key} (${verdict.rule})`, ...applied.notes, ...left];
    return {
      ...base,
      status: 'graded' as const,
      items,
      ...(applied.caps.length ? { caps: applied.caps } : {}),
      total: applied.total,
      note: notes.join('; '),
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
