import { examQuestions, examUnits, partMaxPoints, type Unit } from '../exam/model.js';
import type { RubricTarget } from '../exam/schema.js';
import { autoOutcome } from '../grading/accuracy.js';
import { type UnitState, unitState } from '../grading/coverage.js';
import { MIN_POINTS } from '../grading/paired.js';
import { DEFAULT_PRECEDENCE } from '../grading/score.js';
import { latestGrades } from '../store/grades.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';
import { splitModelLabel } from '../store/records.js';
import {
  type AlsoCheckedView,
  type AnswerSide,
  alsoCheckedView,
  answerSides,
  type CoverageView,
  coverageView,
} from './contamination-view.js';
import { anchorId, truncateForDisplay } from '../html/escape.js';
import type {
  AgreementInput,
  AgreementStatsInput,
  BenchItemTexts,
  BenchmarkRow,
  CheckInput,
  CheckItemInput,
  ReportInputs,
  ScoreInput,
  ScoreModelInput,
} from './inputs.js';
import { MEMORISATION_TITLE, type MemorisationView, memorisationView } from './memorisation.js';
import { type ReferenceFieldView, referenceField } from './reference-field.js';
import { redactParams, runFacts } from './run-facts.js';
import { type AccuracyView, ALPHA, type Comparison, type Provenance, scoreboardExtras } from './scoreboard.js';
import { type Segment, sharedNgramSegments } from './shared-ngrams.js';
import { type OverfitAnalysis, type OverfitPoint, overfitAnalysis } from './stats.js';

/** Answers longer than this are cut for display (never for grading); the report says how much was left out. */
export const ANSWER_DISPLAY_CHARS = 20_000;
const REASON_DISPLAY_CHARS = 2_000;
const CUT_OFF = new Set(['length', 'max_tokens', 'content_filter', 'refusal', 'safety', 'recitation']);

/** Exact section titles: tests and readers rely on them. */
export const SECTION_TITLES = {
  scoreboard: 'Scoreboard',
  questions: 'Questions',
  answers: 'Answers',
  graders: 'Graders',
  contamination: 'Contamination',
  benchmarks: 'Held-out vs public benchmarks',
  run: 'Run',
} as const;
export type SectionKey = keyof typeof SECTION_TITLES;

/** Shown instead of a section's content when its data does not exist yet. */
export interface Empty {
  message: string;
  command?: string;
}

export interface ModelRef {
  spec: string;
  label: string;
  /** Position in the scoreboard (0-based): anchors use it because specs can contain anything. */
  index: number;
}

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

/** The answers of one model to one question (all its samples), folded under the question. */
export interface AnswerFold {
  anchor: string;
  model: ModelRef;
  answers: AnswerView[];
  points?: number;
  maxPoints: number;
  /** Short state tags for the fold's summary line: undetermined, not graded, failed, disagree. */
  tags: { text: string; tone: 'warn' | 'bad' | 'muted' | 'info' }[];
}

export interface HeatCell {
  questionId: string;
  fraction?: number;
  points?: number;
  maxPoints?: number;
  /** Not counted by a `choose` part. */
  dropped: boolean;
  href?: string;
  title: string;
}

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

export interface AnswerView {
  anchor: string;
  responseId: string;
  /** The question (or unit, with split sub-parts) that was asked. */
  questionId: string;
  model: ModelRef;
  sample: number;
  text?: string;
  truncatedFrom?: number;
  error?: string;
  finishReason?: string;
  points?: number;
  maxPoints?: number;
  units: AnswerUnit[];
  disagree: boolean;
  /** Benchmark items whose solution this answer reproduces. */
  reproduces: string[];
}

export interface QuestionView {
  id: string;
  anchor: string;
  label: string;
  partTitle: string;
  points: number;
  text: string;
  subparts: { label: string; text: string; points: number }[];
  reference?: string;
  answers: AnswerView[];
  folds: AnswerFold[];
}

export interface GraderSummary {
  id: string;
  kind: string;
  units: number;
  ungraded: number;
  points: number;
  maxPoints: number;
  /** The demo's fictional example grader. */
  example?: boolean;
}

export interface PairView {
  a: string;
  b: string;
  /** A model judge compared with a human: the comparison readers look for first. */
  judgeVsHuman: boolean;
  items: AgreementStatsInput;
  questions: AgreementStatsInput;
  perQuestion: ({ id: string } & AgreementStatsInput)[];
}

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

export interface ScatterView extends Omit<OverfitAnalysis, 'points'> {
  metric: 'gsm8k' | 'math';
  metricLabel: string;
  points: (OverfitPoint & { model: ModelRef })[];
}

export interface ReportModel {
  title: string;
  examId: string;
  examTitle: string;
  runId: string;
  generatedAt: string;
  toolVersion: string;
  models: ModelRef[];
  sections: { key: SectionKey | 'memorisation'; title: string; number: number }[];
  scoreboard: {
    rows: ScoreboardRow[];
    parts: { id: string; title: string; maxPoints: number }[];
    empty?: Empty;
    anySamples: boolean;
    /** Every pair of models (scoreboard order): A's points minus B's, and the paired test's p-value. */
    matrix: { models: ModelRef[]; rows: { model: ModelRef; cells: (MatrixCell | null)[] }[] };
    precedence: string;
    questionsCount: number;
    caveat?: string;
  };
  /** One fold per model listing its answers, question by question. */
  byModel: {
    model: ModelRef;
    anchor: string;
    entries: { label: string; href: string; points?: number; maxPoints: number; state: string }[];
  }[];
  /** Data in this page that is fictional or an example (shown in the masthead and next to the data). */
  fictional: string[];
  questions: {
    columns: { id: string; label: string; maxPoints: number }[];
    rows: { model: ModelRef; cells: HeatCell[]; percent?: number }[];
    empty?: Empty;
  };
  answers: { questions: QuestionView[]; empty?: Empty; disagreements: number; truncated: number };
  graders: { summaries: GraderSummary[]; pairs: PairView[]; empty?: Empty; disagreements: number };
  contamination: {
    rules: string[];
    rows: ContaminationRow[];
    contaminated: number;
    source?: string;
    answersChecked: boolean;
    flaggedAnswers: {
      anchor?: string;
      model: string;
      questionId: string;
      rules: string[];
      items: string[];
      /** The answer and the benchmark solution it reproduces, shared n-grams marked. */
      sides?: AnswerSide[];
    }[];
    /** What each rule compared, for the exam items and the answers, with why the rest was not comparable. */
    coverage?: CoverageView;
    /** Other exams checked beside this one (the demo's leaky exam). */
    also?: AlsoCheckedView[];
    benchmarks: string[];
    empty?: Empty;
    note?: string;
  };
  benchmarks: {
    scatters: ScatterView[];
    unmatchedCsv: string[];
    missingModels: ModelRef[];
    source?: string;
    empty?: Empty;
    /** The exam's published field (reference.csv) with the run's models placed on its trend. */
    field?: ReferenceFieldView;
    /** Why there is no field: the exam ships no reference, or it is too small to fit. */
    fieldNote?: string;
    /** Shown under the section when a fit rests on too few models to mean much. */
    caveat?: string;
  };
  /** Only when the run directory has probe results (`heldout probe`). */
  memorisation?: MemorisationView;
  run: ReturnType<typeof runFacts>;
}

/**
 * A short, readable name: `Grok-1=replay:sheet.csv` → `Grok-1` (the label given), `openai:gpt-4o` → `gpt-4o`,
 * `replay:examples/answers/strong.jsonl` → `strong`.
 */
export function modelLabel(given: string): string {
  const { label, spec } = splitModelLabel(given);
  if (label) return label;
  const colon = spec.indexOf(':');
  if (colon < 0) return spec;
  const provider = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (provider === 'replay') return (rest.split(/[\\/]/).pop() ?? rest).replace(/\.(jsonl|json|csv)$/i, '');
  return rest;
}

/** The score's interval is in points; the scoreboard shows percent. */
function ciOf(m: ScoreModelInput): { low: number; high: number } | undefined {
  const c = m.ci95;
  if (c?.length !== 2 || !(m.maxPoints > 0)) return undefined;
  return { low: (100 * c[0]) / m.maxPoints, high: (100 * c[1]) / m.maxPoints };
}

const pct = (p: number, max: number) => (max > 0 ? (100 * p) / max : 0);

/**
 * The current grade per (response, unit, grader), grouped by unit. The same rule as the score's (the last record in
 * the file wins), so the scoreboard and the answer view cannot disagree, whatever the records' clocks say.
 */
function gradesByUnitOf(grades: GradeRecord[]): Map<string, GradeRecord[]> {
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

function answerUnits(
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

function pairViews(agreement: AgreementInput): PairView[] {
  const kind = new Map(agreement.graders.map((g) => [g.id, g.kind]));
  return agreement.pairs
    .map((p) => {
      const kinds = new Set([kind.get(p.a), kind.get(p.b)]);
      return {
        a: p.a,
        b: p.b,
        judgeVsHuman: kinds.has('judge') && kinds.has('human'),
        items: p.overall.items,
        questions: p.overall.questions,
        perQuestion: p.questions,
      };
    })
    .sort((x, y) => Number(y.judgeVsHuman) - Number(x.judgeVsHuman));
}

/** CSV rows are matched to run models by exact spec, then by label, ignoring case. */
export function matchBenchmarks(
  models: ModelRef[],
  rows: BenchmarkRow[],
): { matched: Map<number, BenchmarkRow>; unmatchedCsv: string[] } {
  const matched = new Map<number, BenchmarkRow>();
  const used = new Set<BenchmarkRow>();
  const norm = (s: string) => s.trim().toLowerCase();
  for (const pass of ['spec', 'label'] as const) {
    for (const m of models) {
      if (matched.has(m.index)) continue;
      const key = norm(pass === 'spec' ? m.spec : m.label);
      const row = rows.find((r) => !used.has(r) && norm(r.model) === key);
      if (row) {
        matched.set(m.index, row);
        used.add(row);
      }
    }
  }
  return { matched, unmatchedCsv: rows.filter((r) => !used.has(r)).map((r) => r.model) };
}

/** Accuracy as a percentage: the CSV may hold 0–1 or 0–100. */
function asPercent(values: number[]): number[] {
  return values.every((v) => v <= 1) ? values.map((v) => v * 100) : values;
}

function buildScatters(
  models: ModelRef[],
  score: ScoreInput | undefined,
  rows: BenchmarkRow[],
): ReportModel['benchmarks'] {
  const { matched, unmatchedCsv } = matchBenchmarks(models, rows);
  const percentOf = new Map(score?.models.map((m) => [m.model, m.percent]) ?? []);
  const scatters: ScatterView[] = [];
  for (const metric of ['gsm8k', 'math'] as const) {
    const pts = models
      .map((m) => ({ m, bench: matched.get(m.index)?.[metric], exam: percentOf.get(m.spec) }))
      .filter(
        (p): p is { m: ModelRef; bench: number; exam: number } =>
          typeof p.bench === 'number' && Number.isFinite(p.bench) && typeof p.exam === 'number',
      );
    if (pts.length < 2) continue;
    const allMetric = rows.map((r) => r[metric]).filter((v): v is number => typeof v === 'number');
    const xs = allMetric.every((v) => v <= 1) ? pts.map((p) => p.bench * 100) : asPercent(pts.map((p) => p.bench));
    const fit = overfitAnalysis(
      xs,
      pts.map((p) => p.exam),
    );
    if (!fit) continue;
    scatters.push({
      metric,
      metricLabel: metric === 'gsm8k' ? 'GSM8K' : 'MATH',
      points: fit.points.map((p, i) => ({ model: pts[i].m, ...p })),
      slope: fit.slope,
      intercept: fit.intercept,
      r2: fit.r2,
      residualSd: fit.residualSd,
      threshold: fit.threshold,
      flagPossible: fit.flagPossible,
    });
  }
  return {
    scatters,
    unmatchedCsv,
    missingModels: models.filter((m) => !matched.has(m.index)),
  };
}

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

/** Pure: everything the templates print, computed from plain data. */
export function buildReportModel(inputs: ReportInputs): ReportModel {
  const { exam, score } = inputs;
  const units = new Map(examUnits(exam).map((u) => [u.id, u]));
  const questions = examQuestions(exam);
  const questionOfUnit = (id: string) => units.get(id)?.questionId ?? id;

  // Models: scoreboard order when scored, else the order they first appear in the responses.
  const specs: string[] = [];
  const seen = new Set<string>();
  const add = (s: string) => {
    if (!seen.has(s)) {
      seen.add(s);
      specs.push(s);
    }
  };
  const scored = [...(score?.models ?? [])].sort((a, b) => b.percent - a.percent || a.model.localeCompare(b.model));
  for (const m of scored) add(m.model);
  for (const m of (inputs.manifest?.models as unknown[] | undefined) ?? []) {
    const spec = typeof m === 'string' ? m : (m as { spec?: unknown })?.spec;
    if (typeof spec === 'string') add(spec);
  }
  for (const r of inputs.responses) add(r.model);
  const labels = new Map<string, number>();
  for (const s of specs) labels.set(modelLabel(s), (labels.get(modelLabel(s)) ?? 0) + 1);
  const models: ModelRef[] = specs.map((spec, index) => ({
    spec,
    // Two specs with one short name (e.g. the same model at two providers) keep their full spec.
    label: (labels.get(modelLabel(spec)) ?? 0) > 1 ? spec : modelLabel(spec),
    index,
  }));
  const modelOf = new Map(models.map((m) => [m.spec, m]));

  // Scoreboard.
  const parts = exam.parts.map((p) => ({ id: p.id, title: p.title, maxPoints: partMaxPoints(p) }));
  const unitList = [...units.values()];
  const extras = scoreboardExtras(scored, unitList, inputs.rubric?.marking ?? {}, inputs.responses, inputs.grades);
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

  // Answers, grouped by top-level question.
  const gradesByUnit = gradesByUnitOf(inputs.grades);
  const marking = inputs.rubric?.marking ?? {};
  const responsesByQuestion = new Map<string, ResponseRecord[]>();
  for (const r of inputs.responses) {
    const q = questionOfUnit(r.questionId);
    responsesByQuestion.set(q, [...(responsesByQuestion.get(q) ?? []), r]);
  }
  const firstAnchor = new Map<string, string>();
  let truncated = 0;
  const questionViews: QuestionView[] = questions.map(({ question, part }) => {
    const rs = [...(responsesByQuestion.get(question.id) ?? [])].sort(
      (a, b) =>
        (modelOf.get(a.model)?.index ?? 0) - (modelOf.get(b.model)?.index ?? 0) ||
        a.sample - b.sample ||
        a.questionId.localeCompare(b.questionId),
    );
    const answers = rs.map((r): AnswerView => {
      const model = modelOf.get(r.model)!;
      const anchor = anchorId('a', String(model.index), r.questionId, String(r.sample));
      const key = `${model.index}\u0000${question.id}`;
      if (!firstAnchor.has(key)) firstAnchor.set(key, anchorId('a', String(model.index), question.id));
      const shown = r.text !== undefined ? truncateForDisplay(r.text, ANSWER_DISPLAY_CHARS) : undefined;
      if (shown?.truncatedFrom) truncated++;
      const us = answerUnits(r, r.unitIds, units, marking, (u) => gradesByUnit.get(`${r.id}\u0000${u}`) ?? []);
      const finals = us.map((u) => u.graders.filter((g) => g.total !== undefined).at(-1)?.total);
      return {
        anchor,
        responseId: r.id,
        questionId: r.questionId,
        model,
        sample: r.sample,
        text: shown?.text,
        truncatedFrom: shown?.truncatedFrom,
        error: r.error ? `${r.error.kind}: ${r.error.message}` : undefined,
        // Only reasons that mean the answer may be cut off or withheld are worth a tag.
        finishReason: r.finishReason && CUT_OFF.has(r.finishReason) ? r.finishReason : undefined,
        points: finals.every((f) => f !== undefined) && finals.length ? finals.reduce((a, b) => a! + b!, 0) : undefined,
        maxPoints: us.reduce((s, u) => s + u.maxPoints, 0),
        units: us,
        disagree: us.some((u) => u.disagree),
        reproduces: [],
      };
    });
    const folds: AnswerFold[] = [];
    for (const a of answers) {
      const last = folds.at(-1);
      if (last && last.model === a.model) last.answers.push(a);
      else
        folds.push({
          anchor: anchorId('a', String(a.model.index), question.id),
          model: a.model,
          answers: [a],
          maxPoints: 0,
          tags: [],
        });
    }
    for (const f of folds) foldSummary(f);
    return {
      id: question.id,
      anchor: anchorId('q', question.id),
      label: question.number,
      partTitle: part.title,
      points: question.points,
      text: question.text,
      subparts: [...units.values()]
        .filter((u) => u.questionId === question.id && u.id !== question.id)
        .map((u) => ({ label: u.labels.slice(1).join(' '), text: u.text, points: u.points })),
      reference: question.reference ?? (question.subparts?.length ? subpartReferences(question.id, units) : undefined),
      answers,
      folds,
    };
  });
  const allAnswers = questionViews.flatMap((q) => q.answers);

  // Heatmap.
  const heatRows = scored.map((m) => {
    const model = modelOf.get(m.model)!;
    const cells = questions.map(({ question }): HeatCell => {
      const q = m.questions.find((x) => x.id === question.id);
      const href = firstAnchor.get(`${model.index}\u0000${question.id}`);
      const fraction = q && q.maxPoints > 0 ? q.points / q.maxPoints : undefined;
      const dropped = q?.counted === false;
      return {
        questionId: question.id,
        fraction,
        points: q?.points,
        maxPoints: q?.maxPoints ?? question.points,
        dropped,
        href: href ? `#${href}` : undefined,
        title: q
          ? `${model.label} · question ${question.number}: ${fmt(q.points)} of ${fmt(q.maxPoints)} points${dropped ? ' (not counted: choose rule)' : ''}${q.grader ? ` · graded by ${q.grader}` : ''}`
          : `${model.label} · question ${question.number}: no grade`,
      };
    });
    return { model, cells, percent: m.percent };
  });

  // Graders.
  const summaries = new Map<string, GraderSummary>();
  for (const list of gradesByUnit.values()) {
    for (const g of list) {
      const s = summaries.get(g.grader.id) ?? {
        id: g.grader.id,
        kind: g.grader.kind,
        units: 0,
        ungraded: 0,
        points: 0,
        maxPoints: 0,
        example: g.grader.id === EXAMPLE_HUMAN_GRADER,
      };
      if (g.status === 'graded') {
        s.units++;
        s.points += g.total;
        s.maxPoints += g.maxPoints;
      } else s.ungraded++;
      summaries.set(g.grader.id, s);
    }
  }
  const pairs = inputs.agreement ? pairViews(inputs.agreement) : [];
  const unitDisagreements = allAnswers.reduce((n, a) => n + a.units.filter((u) => u.disagree).length, 0);

  // Contamination.
  const questionText = new Map(questions.map(({ question }) => [question.id, question.text]));
  // Check items are units; a sub-part is checked with its question's stem in front (as the check does).
  for (const u of units.values()) {
    if (!questionText.has(u.id)) questionText.set(u.id, `${questionText.get(u.questionId) ?? ''}\n\n${u.text}`.trim());
  }
  const check = inputs.check;
  const cRows = check ? contaminationRows(check, questionText, inputs.benchItems ?? {}) : [];
  const rules = [...new Set(cRows.flatMap((r) => r.verdicts.map((v) => v.rule)))];
  const flaggedAnswers = check ? answerFlags(check, allAnswers, inputs.benchItems ?? {}) : [];
  const also = (inputs.alsoChecked ?? []).map((a) =>
    alsoCheckedView(a, (c, texts) => contaminationRows(c, texts, inputs.benchItems ?? {})),
  );

  const benchmarks = inputs.benchmarks?.length
    ? { ...buildScatters(models, score, inputs.benchmarks), source: inputs.benchmarksFile }
    : { scatters: [], unmatchedCsv: [], missingModels: [], source: inputs.benchmarksFile };

  const field = publishedField(inputs, models, score);

  // Memorisation appears only with probe results, before Run.
  const keys: (SectionKey | 'memorisation')[] = Object.keys(SECTION_TITLES) as SectionKey[];
  if (inputs.memorisation) keys.splice(keys.indexOf('run'), 0, 'memorisation');
  const sections = keys.map((key, i) => ({
    key,
    title: key === 'memorisation' ? MEMORISATION_TITLE : SECTION_TITLES[key],
    number: i + 1,
  }));
  // Hints name commands that work as typed: the run and exam as this report found them, quoted when needed.
  const runDirHint = shellArg(inputs.runDir ?? `runs/${inputs.runId}`);
  const examDirHint = shellArg(inputs.examDir ?? `exams/${exam.id}`);
  return {
    title: `${exam.title} — results`,
    examId: exam.id,
    examTitle: exam.title,
    runId: inputs.runId,
    generatedAt: inputs.generatedAt,
    toolVersion: inputs.toolVersion,
    models,
    sections,
    scoreboard: {
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
            command: `heldout grade ${runDirHint} --auto && heldout score ${runDirHint}`,
          },
    },
    questions: {
      columns: questions.map(({ question }) => ({
        id: question.id,
        label: question.number,
        maxPoints: question.points,
      })),
      rows: heatRows,
      empty: heatRows.length
        ? undefined
        : { message: 'No per-question scores yet.', command: `heldout grade ${runDirHint} --auto` },
    },
    answers: {
      questions: questionViews,
      disagreements: unitDisagreements,
      truncated,
      empty: allAnswers.length
        ? undefined
        : { message: 'This run has no answers yet: finish it.', command: `heldout run --resume ${runDirHint}` },
    },
    graders: {
      summaries: [...summaries.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id)),
      pairs,
      disagreements: unitDisagreements,
      empty: summaries.size
        ? undefined
        : {
            message:
              'No grades yet. Check final answers automatically (or grade with a model judge: --judge <spec>; or import human grades: heldout grades import).',
            command: `heldout grade ${runDirHint} --auto`,
          },
    },
    contamination: {
      rules,
      rows: cRows,
      contaminated: cRows.filter((r) => r.contaminated).length,
      flaggedAnswers,
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
            command: `heldout check ${examDirHint} --run ${runDirHint} --out contamination.json && heldout report ${runDirHint} --check contamination.json`,
          },
    },
    benchmarks: {
      ...benchmarks,
      ...field,
      caveat: benchmarkCaveat(benchmarks.scatters, fictionalData(inputs, models)),
      empty:
        benchmarks.scatters.length || field.field
          ? undefined
          : inputs.benchmarks?.length
            ? {
                message: `Fewer than two run models have both an exam score and a public benchmark score in ${inputs.benchmarksFile ?? 'the CSV'}. CSV rows are matched to models by exact spec or by short name (${models.map((m) => m.label).join(', ') || 'none'}).`,
              }
            : {
                message:
                  'Give public benchmark scores for the models in a CSV with columns model,gsm8k,math (accuracy 0–1 or percent).',
                command: `heldout report ${runDirHint} --benchmarks-file scores.csv`,
              },
    },
    byModel: models.map((model) => ({
      model,
      anchor: anchorId('m', String(model.index)),
      entries: questionViews.flatMap((q) =>
        q.folds
          .filter((f) => f.model === model)
          .map((f) => ({
            label: q.label,
            href: `#${f.anchor}`,
            points: f.points,
            maxPoints: f.maxPoints,
            state: f.tags.map((t) => t.text).join(', '),
          })),
      ),
    })),
    fictional: fictionalData(inputs, models),
    memorisation: inputs.memorisation ? memorisationView(inputs.memorisation, modelLabel) : undefined,
    run: runFacts(inputs, models),
  };
}

/** The example data that ships with heldout is fictional: say so wherever it is shown. */
export const EXAMPLE_HUMAN_GRADER = 'example-human';
function fictionalData(inputs: ReportInputs, models: ModelRef[]): string[] {
  const out = [...(inputs.fictional ?? [])];
  const sheets = models.filter((m) => /^replay:(.*[\\/])?examples[\\/]answers[\\/]/.test(m.spec));
  if (sheets.length && !out.some((f) => /^The answers of /.test(f))) {
    out.push(
      `The answers of ${sheets.map((m) => m.label).join(', ')} are example answer sheets written by hand (examples/answers/), not model outputs.`,
    );
  }
  if (
    inputs.grades.some((g) => g.grader.id === EXAMPLE_HUMAN_GRADER) &&
    !out.some((f) => /^The human grades /.test(f))
  ) {
    out.push(`The human grades by "${EXAMPLE_HUMAN_GRADER}" are fictional example grades (examples/human-grades.csv).`);
  }
  if (
    inputs.benchmarksFile &&
    /(^|[\\/])examples[\\/]benchmark-scores\.csv$/.test(inputs.benchmarksFile) &&
    !out.some((f) => /benchmark scores/.test(f))
  ) {
    out.push(`The public benchmark scores in ${inputs.benchmarksFile} are fictional example scores.`);
  }
  return out;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** The exam's published field, when it ships one (or --reference gives one); else a note that it has none. */
function publishedField(
  inputs: ReportInputs,
  models: ModelRef[],
  score: ScoreInput | undefined,
): { field?: ReferenceFieldView; fieldNote?: string } {
  if (!inputs.reference?.length) {
    return {
      fieldNote: `No published results are known for exam "${inputs.exam.id}" (it ships no reference.csv), so there is no field of published models to compare with; give one with \`heldout report --reference results.csv\` (columns model,exam,gsm8k,source).`,
    };
  }
  const { matched } = matchBenchmarks(models, inputs.benchmarks ?? []);
  const percentOf = new Map(score?.models.map((m) => [m.model, m.percent]) ?? []);
  const gsm = (inputs.benchmarks ?? []).map((r) => r.gsm8k).filter((v): v is number => typeof v === 'number');
  const fraction = gsm.length > 0 && gsm.every((v) => v <= 1);
  const runModels = models
    .filter((m) => percentOf.has(m.spec))
    .map((m) => {
      const g = matched.get(m.index)?.gsm8k;
      return { model: m, exam: percentOf.get(m.spec)!, gsm8k: g === undefined ? undefined : fraction ? g * 100 : g };
    });
  const field = referenceField(inputs.reference, runModels, { file: inputs.referenceFile });
  return field
    ? { field }
    : { fieldNote: `${inputs.referenceFile ?? 'The reference'} has too few distinct results to draw a trend.` };
}

function subpartReferences(questionId: string, units: Map<string, Unit>): string | undefined {
  const refs = [...units.values()].filter((u) => u.questionId === questionId && u.reference);
  return refs.length
    ? refs.map((u) => `**${u.labels.slice(1).join(' ')})** ${u.reference!.trim()}`).join('\n\n')
    : undefined;
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

/** Answers the check found reproducing a benchmark solution (a contaminated verdict under any rule). */
function answerFlags(
  check: CheckInput,
  answers: AnswerView[],
  bench: BenchItemTexts,
): ReportModel['contamination']['flaggedAnswers'] {
  const out: ReportModel['contamination']['flaggedAnswers'] = [];
  const byResponse = new Map(answers.map((a) => [a.responseId, a]));
  for (const a of check.answers ?? []) {
    const rules = Object.entries(a.verdicts ?? {})
      .filter(([, v]) => v === 'contaminated')
      .map(([r]) => r);
    if (!rules.length) continue;
    const view = byResponse.get(a.id);
    const items = [...new Set((a.matches ?? []).map((m) => m.itemId))].slice(0, 5);
    if (view) view.reproduces = items.length ? items : rules;
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

export { redactParams };

/** Points of a fold: the mean over its samples (when every sample is graded); tags for its summary line. */
function foldSummary(f: AnswerFold): void {
  const pts = f.answers.map((a) => a.points);
  f.maxPoints = f.answers[0]?.maxPoints ?? 0;
  f.points = pts.every((p) => p !== undefined) ? pts.reduce((s, p) => s + p!, 0) / pts.length : undefined;
  const states = f.answers.flatMap((a) => a.units.map((u) => u.state));
  const count = (s: string) => states.filter((x) => x === s).length;
  if (f.answers.some((a) => a.error) || count('failed')) f.tags.push({ text: 'failed', tone: 'bad' });
  if (count('undetermined')) f.tags.push({ text: `${count('undetermined')} undetermined`, tone: 'warn' });
  const notGraded = count('missing') + count('ungraded');
  if (notGraded) f.tags.push({ text: `${notGraded} not graded`, tone: 'warn' });
  if (count('unanswered') === states.length && states.length) f.tags.push({ text: 'no answer', tone: 'muted' });
  if (f.answers.some((a) => a.disagree)) f.tags.push({ text: 'graders disagree', tone: 'warn' });
  if (f.answers.some((a) => a.reproduces.length)) f.tags.push({ text: 'reproduces a benchmark', tone: 'bad' });
  if (f.answers.length > 1) f.tags.push({ text: `${f.answers.length} samples`, tone: 'muted' });
}

function pairMatrix(
  models: ModelRef[],
  compare: (a: string, b: string) => Comparison | undefined,
): ReportModel['scoreboard']['matrix'] {
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

function benchmarkCaveat(scatters: ScatterView[], fictional: string[]): string | undefined {
  const few = scatters.filter((s) => s.points.length < MIN_POINTS);
  const notes: string[] = [];
  if (few.length) {
    notes.push(
      `Caveat: the ${few.map((s) => s.metricLabel).join(' and ')} fit${few.length > 1 ? 's rest' : ' rests'} on ${few.map((s) => s.points.length).join(' and ')} models; with fewer than ${MIN_POINTS}, R², the line and the flags are illustrations, not evidence.`,
    );
  }
  const fict = fictional.find((f) => /benchmark scores/.test(f));
  if (scatters.length && fict) notes.push(fict);
  return notes.length ? notes.join(' ') : undefined;
}

/** A path as a shell argument: bare when it is safe, else single-quoted. */
export function shellArg(p: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`;
}
