import { HeldoutError } from '../errors.js';
import type { LoadedExam, LoadedRubric } from '../exam/load.js';
import { examQuestions, examUnits, type Unit } from '../exam/model.js';
import type { RubricExample, RubricTarget } from '../exam/schema.js';
import type { ModelCaller, OpenModelOptions } from '../models/index.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';
import { gradeAuto } from './auto.js';
import { judgeGraderId, judgeTask } from './judge.js';
import { openJudges } from './open-judges.js';

/**
 * `heldout rubric test`: does the rubric, applied by the automatic checker and by each judge, award what its author
 * means? Every unit's `examples` (sample answers with the points the author expects per item) are graded, and each
 * grader's marks are compared with the author's item by item: which items it over- or under-awards, and why (the
 * judge's own reason, the checker's reading of the final answer).
 */

export interface RubricTestOptions {
  judges?: string[];
  /** Injected callers (tests, library users); default: openModel for each spec. */
  callers?: ModelCaller[];
  openOptions?: OpenModelOptions;
  concurrency?: number;
  noCache?: boolean;
  progress?: (done: number, total: number) => void;
}

export interface ItemDisagreement {
  unitId: string;
  itemId: string;
  example: number;
  exampleName?: string;
  expected: number;
  awarded: number;
  reason?: string;
}

export interface GraderResult {
  grader: string;
  /** Item (and decided cap) comparisons made and how many matched the author exactly; a cap counts as 1 or 0. */
  compared: number;
  agreed: number;
  agreement: number;
  /** Examples the grader could not grade (a failed or invalid judge reply): each counts as a disagreement. */
  ungraded: { unitId: string; example: number; note?: string }[];
  over: ItemDisagreement[];
  under: ItemDisagreement[];
}

export interface RubricTestResult {
  examples: number;
  units: number;
  /** Units with items but no examples, in exam order. */
  untested: string[];
  graders: GraderResult[];
}

interface Case {
  unit: Unit;
  target: RubricTarget;
  example: RubricExample;
  index: number;
  response: ResponseRecord;
}

function cases(exam: LoadedExam, rubric: LoadedRubric): { list: Case[]; untested: string[] } {
  const list: Case[] = [];
  const untested: string[] = [];
  for (const unit of examUnits(exam.exam)) {
    const target = rubric.rubric.marking[unit.id];
    if (!target) continue;
    if (!target.examples?.length) untested.push(unit.id);
    target.examples?.forEach((example, index) => {
      list.push({
        unit,
        target,
        example,
        index,
        response: {
          id: `example|${unit.id}|${index}`,
          model: 'rubric-example',
          questionId: unit.questionId,
          unitIds: [unit.id],
          sample: 0,
          text: example.answer,
        },
      });
    });
  }
  return { list, untested };
}

function compare(grader: string, graded: { c: Case; grade: GradeRecord | undefined; items: string[] }[]) {
  const result: GraderResult = { grader, compared: 0, agreed: 0, agreement: 1, ungraded: [], over: [], under: [] };
  for (const { c, grade, items } of graded) {
    if (grade?.status !== 'graded') {
      result.compared += items.length + (grader === 'auto' ? 0 : (c.target.caps ?? []).filter((x) => !x.unless).length);
      result.ungraded.push({ unitId: c.unit.id, example: c.index + 1, note: grade?.note });
      continue;
    }
    for (const itemId of items) {
      const expected = c.example.points[itemId] ?? 0;
      const given = grade.items[itemId];
      const awarded = given?.points ?? 0;
      result.compared++;
      if (awarded === expected) {
        result.agreed++;
        continue;
      }
      const d: ItemDisagreement = {
        unitId: c.unit.id,
        itemId,
        example: c.index + 1,
        ...(c.example.name ? { exampleName: c.example.name } : {}),
        expected,
        awarded,
        ...(given?.reason || grade.note ? { reason: given?.reason ?? grade.note } : {}),
      };
      (awarded > expected ? result.over : result.under).push(d);
    }
    // Caps a grader decides: not applying an expected cap is generous (over), applying an unexpected one strict.
    if (grader === 'auto') continue;
    for (const cap of (c.target.caps ?? []).filter((x) => !x.unless)) {
      const expected = (c.example.caps ?? []).includes(cap.id);
      const applied = (grade.caps ?? []).includes(cap.id);
      result.compared++;
      if (expected === applied) {
        result.agreed++;
        continue;
      }
      (expected ? result.over : result.under).push({
        unitId: c.unit.id,
        itemId: cap.id,
        example: c.index + 1,
        ...(c.example.name ? { exampleName: c.example.name } : {}),
        expected: expected ? 1 : 0,
        awarded: applied ? 1 : 0,
        reason: expected ? 'did not apply the cap' : 'applied the cap',
      });
    }
  }
  result.agreement = result.compared ? result.agreed / result.compared : 1;
  return result;
}

export async function testRubric(
  exam: LoadedExam,
  rubric: LoadedRubric,
  opts: RubricTestOptions = {},
): Promise<RubricTestResult> {
  const { list, untested } = cases(exam, rubric);
  if (!list.length) {
    throw new HeldoutError('the rubric has no examples to test', {
      where: rubric.doc.file,
      hint: 'add `examples:` under a unit: a sample `answer` and the `points` you expect per item (see docs/formats.md)',
    });
  }
  const graders: GraderResult[] = [];

  // The checker: only the units it can grade (an answer and `auto` items), and only their `auto` items.
  const units = new Map(examUnits(exam.exam).map((u) => [u.id, u]));
  const { grades } = gradeAuto({ units, rubric, responses: list.map((c) => c.response) });
  const autoCases = list.filter((c) => c.unit.answer && c.target.items.some((i) => i.auto));
  if (autoCases.length) {
    graders.push(
      compare(
        'auto',
        autoCases.map((c) => ({
          c,
          grade: grades.find((g) => g.responseId === c.response.id),
          items: c.target.items.filter((i) => i.auto).map((i) => i.id),
        })),
      ),
    );
  }

  let callers = opts.callers;
  if (!callers && opts.judges?.length) callers = await openJudges(opts.judges, opts);
  const questions = new Map(examQuestions(exam.exam).map(({ question }) => [question.id, question]));
  let done = 0;
  const total = list.length * (callers?.length ?? 0);
  for (const caller of callers ?? []) {
    const graded = await Promise.all(
      list.map(async (c) => {
        const grade = await judgeTask(caller, {
          response: c.response,
          unit: c.unit,
          question: questions.get(c.unit.questionId)!,
          target: c.target,
          rubricNotes: rubric.rubric.notes,
        });
        opts.progress?.(++done, total);
        return { c, grade, items: c.target.items.map((i) => i.id) };
      }),
    );
    graders.push(compare(judgeGraderId(caller.spec), graded));
  }
  return { examples: list.length, units: new Set(list.map((c) => c.unit.id)).size, untested, graders };
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** Per grader: agreement, then the items it over- and under-awards, grouped by item, with reasons. */
export function rubricTestText(r: RubricTestResult, minAgreement: number): string {
  const lines = [`${r.examples} example(s) on ${r.units} unit(s); agreement with the expected points, item by item:`];
  for (const g of r.graders) {
    const flag = g.agreement < minAgreement ? `  BELOW ${pct(minAgreement)}` : '';
    lines.push(
      `  ${g.grader}: ${pct(g.agreement)} (${g.agreed}/${g.compared}); over-awards ${g.over.length}, under-awards ${g.under.length}${g.ungraded.length ? `, ungraded ${g.ungraded.length}` : ''}${flag}`,
    );
  }
  for (const g of r.graders) {
    if (!g.over.length && !g.under.length && !g.ungraded.length) continue;
    lines.push('', `${g.grader}:`);
    for (const [label, list] of [
      ['over-awards', g.over],
      ['under-awards', g.under],
    ] as const) {
      const byItem = new Map<string, ItemDisagreement[]>();
      for (const d of list)
        byItem.set(`${d.unitId}\u0000${d.itemId}`, [...(byItem.get(`${d.unitId}\u0000${d.itemId}`) ?? []), d]);
      for (const ds of byItem.values()) {
        lines.push(`  ${label} ${ds[0].itemId} (unit ${ds[0].unitId}) in ${ds.length} example(s):`);
        for (const d of ds) {
          const name = d.exampleName ? ` "${d.exampleName}"` : '';
          lines.push(
            `    example ${d.example}${name}: expected ${d.expected}, gave ${d.awarded}${d.reason ? ` — ${oneLine(d.reason)}` : ''}`,
          );
        }
      }
    }
    for (const u of g.ungraded)
      lines.push(`  could not grade example ${u.example} of ${u.unitId}${u.note ? `: ${oneLine(u.note)}` : ''}`);
  }
  if (r.untested.length) lines.push('', `no examples for: ${r.untested.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

const oneLine = (s: string) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
};
