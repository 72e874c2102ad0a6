import { type Coverage, coverage } from '../contamination/coverage.js';
import { examQuestions, examUnits } from '../exam/model.js';
import type { Exam } from '../exam/schema.js';
import type { AnswerView } from './answers-section.js';
import type { ContaminationRow } from './contamination-section.js';
import type { BenchItemTexts, CheckInput } from './inputs.js';
import { type Segment, sharedNgramSegments } from './shared-ngrams.js';

/**
 * The parts of the Contamination section that say what was compared (per rule, with reasons), show flagged model
 * answers side by side with the benchmark solution they reproduce, and put other checked exams (the demo's leaky
 * exam) beside the run's own.
 */

export interface CoverageView {
  items: Coverage;
  answers?: Coverage;
  rules: string[];
}

export function coverageView(check: CheckInput): CoverageView {
  const rules = check.rules?.length
    ? check.rules
    : [...new Set(check.items.flatMap((i) => Object.keys(i.verdicts ?? {})))];
  return {
    rules,
    items: coverage(check.items, rules),
    answers: check.answers ? coverage(check.answers, rules) : undefined,
  };
}

/** The text the check compared for each unit: a sub-part with its question's stem in front (as the check does). */
export function unitTexts(exam: Exam): Map<string, string> {
  const texts = new Map(examQuestions(exam).map(({ question }) => [question.id, question.text]));
  for (const u of examUnits(exam)) {
    if (!texts.has(u.id)) texts.set(u.id, `${texts.get(u.questionId) ?? ''}\n\n${u.text}`.trim());
  }
  return texts;
}

export interface AnswerSide {
  bench: string;
  itemId: string;
  rules: string[];
  answer: Segment[];
  /** The benchmark's reference solution with the shared n-grams marked, when its text could be read. */
  benchmark?: Segment[];
  spans: string[];
}

/** Side-by-side views of a flagged answer and each benchmark solution it reproduces (at most 2). */
export function answerSides(
  answer: NonNullable<CheckInput['answers']>[number],
  view: AnswerView | undefined,
  bench: BenchItemTexts,
): AnswerSide[] {
  const byItem = new Map<string, { bench: string; itemId: string; rules: string[]; spans: string[] }>();
  for (const m of answer.matches ?? []) {
    const key = `${m.bench}\u0000${m.itemId}`;
    const e = byItem.get(key) ?? { bench: m.bench, itemId: String(m.itemId), rules: [], spans: [] };
    if (m.rule && !e.rules.includes(m.rule)) e.rules.push(m.rule);
    for (const sp of m.spans ?? [])
      if (sp.text && !e.spans.includes(sp.text) && e.spans.length < 10) e.spans.push(sp.text);
    byItem.set(key, e);
  }
  const text = view?.text ?? '';
  return [...byItem.values()].slice(0, 2).map((m) => {
    const solution = bench[m.itemId]?.solution;
    const shared = solution && text ? sharedNgramSegments(text, solution) : undefined;
    return {
      ...m,
      answer: shared ? shared.a : [{ text, shared: false }],
      benchmark: shared?.b,
    };
  });
}

export interface AlsoCheckedInput {
  title: string;
  exam: Exam;
  check: CheckInput;
  checkFile?: string;
  note?: string;
}

export interface AlsoCheckedView {
  title: string;
  examId: string;
  note?: string;
  checkFile?: string;
  rows: ContaminationRow[];
  contaminated: number;
  coverage: CoverageView;
  /** Rules that flagged something, with how many items: `gpt3-13gram (1)`. */
  fired: string[];
}

export function alsoCheckedView(
  input: AlsoCheckedInput,
  rowsOf: (check: CheckInput, texts: Map<string, string>) => ContaminationRow[],
): AlsoCheckedView {
  const rows = rowsOf(input.check, unitTexts(input.exam));
  const cov = coverageView(input.check);
  const fired = cov.items.rules.filter((r) => r.contaminated > 0).map((r) => `${r.rule} (${r.contaminated})`);
  const templates = input.check.items.filter((i) => i.templateMatch).length;
  if (templates) fired.push(`template (${templates})`);
  return {
    title: input.title,
    examId: input.exam.id,
    note: input.note,
    checkFile: input.checkFile,
    rows,
    contaminated: rows.filter((r) => r.contaminated || r.templateMatch).length,
    coverage: cov,
    fired,
  };
}
