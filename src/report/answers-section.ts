import { examQuestions, type Unit } from '../exam/model.js';
import { anchorId, truncateForDisplay } from '../html/escape.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';
import { type AnswerUnit, answerUnits } from './answer-audit.js';
import type { Empty, Hints } from './empty-section.js';
import type { ReportInputs } from './inputs.js';
import type { ModelRef } from './model-names.js';
import { type FigureView, questionFigures } from './report-figures.js';

/**
 * The Answers section: one fold per question, and in it one per model with every sample's answer and its grading
 * audit; and the same answers listed per model.
 */

/** Answers longer than this are cut for display (never for grading); the report says how much was left out. */
export const ANSWER_DISPLAY_CHARS = 20_000;
const CUT_OFF = new Set(['length', 'max_tokens', 'content_filter', 'refusal', 'safety', 'recitation']);

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
  /** The question's own figures (absent when it has none); each sub-part carries its own. */
  figures?: FigureView[];
  subparts: { label: string; text: string; points: number; figures?: FigureView[] }[];
  reference?: string;
  answers: AnswerView[];
  folds: AnswerFold[];
}

export interface AnswersSection {
  questions: QuestionView[];
  empty?: Empty;
  disagreements: number;
  truncated: number;
}

export interface ByModelFold {
  model: ModelRef;
  anchor: string;
  entries: { label: string; href: string; points?: number; maxPoints: number; state: string }[];
}

/** Every answer under its top-level question, samples folded per model (models in scoreboard order). */
export function answersSection(
  inputs: Pick<ReportInputs, 'exam' | 'responses' | 'rubric' | 'figures'>,
  units: Map<string, Unit>,
  modelOf: Map<string, ModelRef>,
  gradesByUnit: Map<string, GradeRecord[]>,
  /** Per response: the benchmark items the contamination check found it reproducing. */
  reproduces: Map<string, string[]>,
  hints: Hints,
): AnswersSection {
  const marking = inputs.rubric?.marking ?? {};
  const questionOfUnit = (id: string) => units.get(id)?.questionId ?? id;
  const responsesByQuestion = new Map<string, ResponseRecord[]>();
  for (const r of inputs.responses) {
    const q = questionOfUnit(r.questionId);
    responsesByQuestion.set(q, [...(responsesByQuestion.get(q) ?? []), r]);
  }
  let truncated = 0;
  const questions: QuestionView[] = examQuestions(inputs.exam).map(({ question, part }) => {
    const rs = [...(responsesByQuestion.get(question.id) ?? [])].sort(
      (a, b) =>
        (modelOf.get(a.model)?.index ?? 0) - (modelOf.get(b.model)?.index ?? 0) ||
        a.sample - b.sample ||
        a.questionId.localeCompare(b.questionId),
    );
    const answers = rs.map((r): AnswerView => {
      const model = modelOf.get(r.model)!;
      const shown = r.text !== undefined ? truncateForDisplay(r.text, ANSWER_DISPLAY_CHARS) : undefined;
      if (shown?.truncatedFrom) truncated++;
      const us = answerUnits(r, r.unitIds, units, marking, (u) => gradesByUnit.get(`${r.id}\u0000${u}`) ?? []);
      const finals = us.map((u) => u.graders.filter((g) => g.total !== undefined).at(-1)?.total);
      return {
        anchor: anchorId('a', String(model.index), r.questionId, String(r.sample)),
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
        reproduces: reproduces.get(r.id) ?? [],
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
    const figures = questionFigures(question, inputs.figures);
    return {
      id: question.id,
      anchor: anchorId('q', question.id),
      label: question.number,
      partTitle: part.title,
      points: question.points,
      text: question.text,
      figures: figures.question.length ? figures.question : undefined,
      subparts: [...units.values()]
        .filter((u) => u.questionId === question.id && u.id !== question.id)
        .map((u) => ({
          label: u.labels.slice(1).join(' '),
          text: u.text,
          points: u.points,
          figures: figures.byUnit.get(u.id)?.length ? figures.byUnit.get(u.id) : undefined,
        })),
      reference: question.reference ?? (question.subparts?.length ? subpartReferences(question.id, units) : undefined),
      answers,
      folds,
    };
  });
  const all = questions.flatMap((q) => q.answers);
  return {
    questions,
    disagreements: all.reduce((n, a) => n + a.units.filter((u) => u.disagree).length, 0),
    truncated,
    empty: all.length
      ? undefined
      : { message: 'This run has no answers yet: finish it.', command: `heldout run --resume ${hints.runDir}` },
  };
}

/** The anchor of the fold with a model's answers to a question, when it answered it. */
export function foldAnchors(questions: QuestionView[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const q of questions) for (const f of q.folds) out.set(`${f.model.index}\u0000${q.id}`, f.anchor);
  return out;
}

/** One fold per model listing its answers, question by question. */
export function byModelFolds(models: ModelRef[], questions: QuestionView[]): ByModelFold[] {
  return models.map((model) => ({
    model,
    anchor: anchorId('m', String(model.index)),
    entries: questions.flatMap((q) =>
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
  }));
}

function subpartReferences(questionId: string, units: Map<string, Unit>): string | undefined {
  const refs = [...units.values()].filter((u) => u.questionId === questionId && u.reference);
  return refs.length
    ? refs.map((u) => `**${u.labels.slice(1).join(' ')})** ${u.reference!.trim()}`).join('\n\n')
    : undefined;
}

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
