import type { Exam } from '../exam/schema.js';
import { anchorId } from '../html/escape.js';
import type { AnswerView } from './answers-section.js';
import {
  type AlsoCheckedView,
  type AnswerSide,
  alsoCheckedView,
  answerSides,
  type CoverageView,
  coverageView,
  unitTexts,
} from './contamination-view.js';
import type { Empty, Hints } from './empty-section.js';
import type { BenchItemTexts, CheckInput, CheckItemInput, ReportInputs } from './inputs.js';
import { type Segment, sharedNgramSegments } from './shared-ngrams.js';

/** The Contamination section: the check's verdicts per exam item and rule, matches side by side, flagged answers. */

export interface ContaminationRow {
  id: string;
  anchor: string;
  verdicts: { rule: string; verdict: string; reason?: string }[];
  contaminated: boolean;
  templateMatch: boolean;
  matches: {
    bench: string;
    itemId: string;
    rules: string[];
    /** The shared runs as the check found them (normalised text). */
    spans: string[];
    exam: Segment[];
    /** The benchmark item with shared n-grams marked, when its text could be read. */
    benchmark?: Segment[];
  }[];
}

export interface FlaggedAnswer {
  anchor?: string;
  model: string;
  questionId: string;
  rules: string[];
  items: string[];
  /** The answer and the benchmark solution it reproduces, shared n-grams marked. */
  sides?: AnswerSide[];
}

export interface ContaminationSection {
  rules: string[];
  rows: ContaminationRow[];
  contaminated: number;
  source?: string;
  answersChecked: boolean;
  flaggedAnswers: FlaggedAnswer[];
  /** What each rule compared, for the exam items and the answers, with why the rest was not comparable. */
  coverage?: CoverageView;
  /** Other exams checked beside this one (the demo's leaky exam). */
  also?: AlsoCheckedView[];
  benchmarks: string[];
  empty?: Empty;
  note?: string;
}

export function contaminationSection(
  inputs: Pick<ReportInputs, 'check' | 'checkFile' | 'checkNote' | 'alsoChecked' | 'benchItems'>,
  exam: Exam,
  answers: AnswerView[],
  hints: Hints,
): ContaminationSection {
  const check = inputs.check;
  const bench = inputs.benchItems ?? {};
  const rows = check ? contaminationRows(check, unitTexts(exam), bench) : [];
  const also = (inputs.alsoChecked ?? []).map((a) =>
    alsoCheckedView(a, (c, texts) => contaminationRows(c, texts, bench)),
  );
  return {
    rules: [...new Set(rows.flatMap((r) => r.verdicts.map((v) => v.rule)))],
    rows,
    contaminated: rows.filter((r) => r.contaminated).length,
    flaggedAnswers: check ? answerFlags(check, answers, bench) : [],
    coverage: check ? coverageView(check) : undefined,
    also: also.length ? also : undefined,
    benchmarks: checkBenchmarks(check),
    source: inputs.checkFile,
    answersChecked: Array.isArray(check?.answers),
    note: inputs.checkNote,
    empty: check
      ? undefined
      : {
          message:
            'No contamination check was given. Check the exam and the answers (against GSM8K, MATH, MMLU and HumanEval from the offline pack, or what you pulled) and pass the result with --check.',
          command: `heldout check ${hints.examDir} --run ${hints.runDir} --out contamination.json && heldout report ${hints.runDir} --check contamination.json`,
        },
  };
}

/** `questionText`: the text the check compared per item (a sub-part with its question's stem in front). */
export function contaminationRows(
  check: CheckInput,
  questionText: Map<string, string>,
  bench: BenchItemTexts,
): ContaminationRow[] {
  const rules = check.rules ?? [];
  return check.items.map((item: CheckItemInput) => {
    const names = [...new Set([...rules, ...Object.keys(item.verdicts ?? {})])];
    const verdicts = names.map((rule) => ({
      rule,
      verdict: item.verdicts?.[rule] ?? 'not-comparable',
      reason: item.reasons?.[rule],
    }));
    const examText = questionText.get(item.id) ?? '';
    // One side-by-side per benchmark item, however many rules matched it.
    const byItem = new Map<string, { bench: string; itemId: string; rules: string[]; spans: string[] }>();
    for (const m of item.matches ?? []) {
      const key = `${m.bench}\u0000${m.itemId}`;
      const e = byItem.get(key) ?? { bench: m.bench, itemId: String(m.itemId), rules: [], spans: [] };
      if (m.rule && !e.rules.includes(m.rule)) e.rules.push(m.rule);
      for (const sp of m.spans ?? [])
        if (sp.text && !e.spans.includes(sp.text) && e.spans.length < 20) e.spans.push(sp.text);
      byItem.set(key, e);
    }
    return {
      id: item.id,
      anchor: anchorId('c', item.id),
      verdicts,
      contaminated: verdicts.some((v) => v.verdict === 'contaminated'),
      templateMatch: item.templateMatch === true,
      matches: [...byItem.values()].slice(0, 3).map((m) => {
        const benchText = bench[m.itemId]?.text;
        const shared = benchText ? sharedNgramSegments(examText, benchText) : undefined;
        return {
          bench: m.bench,
          itemId: m.itemId,
          rules: m.rules,
          spans: m.spans,
          exam: shared ? shared.a : [{ text: examText, shared: false }],
          benchmark: shared?.b,
        };
      }),
    };
  });
}

function checkBenchmarks(check: CheckInput | undefined): string[] {
  if (!check) return [];
  const names = (check.sources ?? []).map((src) => {
    const extra = [
      src.split,
      src.count !== undefined ? `${src.count} items` : undefined,
      src.origin === 'pack' ? 'offline pack' : src.origin === 'cache' ? 'pulled' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    return extra ? `${src.label} (${extra})` : src.label;
  });
  const fromMatches = check.items.flatMap((i) => (i.matches ?? []).map((m) => m.bench));
  return names.length ? names : [...new Set(fromMatches)];
}

/** The rules under which the check found an answer contaminated, and the benchmark items it matched (at most 5). */
function contaminatedBy(answer: NonNullable<CheckInput['answers']>[number]): { rules: string[]; items: string[] } {
  const rules = Object.entries(answer.verdicts ?? {})
    .filter(([, v]) => v === 'contaminated')
    .map(([r]) => r);
  const items = [...new Set((answer.matches ?? []).map((m) => m.itemId))].slice(0, 5);
  return { rules, items };
}

/** Per response the check flagged: the benchmark items it reproduces (or, without matches, the rules that fired). */
export function reproducedItems(check: CheckInput | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of check?.answers ?? []) {
    const { rules, items } = contaminatedBy(a);
    if (rules.length) out.set(a.id, items.length ? items : rules);
  }
  return out;
}

/** Answers the check found reproducing a benchmark solution (a contaminated verdict under any rule). */
function answerFlags(check: CheckInput, answers: AnswerView[], bench: BenchItemTexts): FlaggedAnswer[] {
  const out: FlaggedAnswer[] = [];
  const byResponse = new Map(answers.map((a) => [a.responseId, a]));
  for (const a of check.answers ?? []) {
    const { rules, items } = contaminatedBy(a);
    if (!rules.length) continue;
    const view = byResponse.get(a.id);
    out.push({
      anchor: view?.anchor,
      model: view?.model.label ?? a.model ?? a.id,
      questionId: a.questionId ?? view?.questionId ?? a.id,
      rules,
      items,
      sides: answerSides(a, view, bench),
    });
  }
  return out;
}
