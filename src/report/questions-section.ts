import { examQuestions } from '../exam/model.js';
import type { Exam } from '../exam/schema.js';
import type { Empty, Hints } from './empty-section.js';
import type { ScoreModelInput } from './inputs.js';
import type { ModelRef } from './model-names.js';

/** The Questions section: a heatmap of each scored model's share of each question's points. */

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

export interface QuestionsSection {
  columns: { id: string; label: string; maxPoints: number }[];
  rows: { model: ModelRef; cells: HeatCell[]; percent?: number }[];
  empty?: Empty;
}

/** `foldAnchor` names the fold with that model's answers to the question, which each cell links to. */
export function questionsSection(
  exam: Exam,
  scored: ScoreModelInput[],
  modelOf: Map<string, ModelRef>,
  foldAnchor: Map<string, string>,
  hints: Hints,
): QuestionsSection {
  const questions = examQuestions(exam);
  const rows = scored.map((m) => {
    const model = modelOf.get(m.model)!;
    const cells = questions.map(({ question }): HeatCell => {
      const q = m.questions.find((x) => x.id === question.id);
      const href = foldAnchor.get(`${model.index}\u0000${question.id}`);
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
  return {
    columns: questions.map(({ question }) => ({ id: question.id, label: question.number, maxPoints: question.points })),
    rows,
    empty: rows.length
      ? undefined
      : { message: 'No per-question scores yet.', command: `heldout grade ${hints.runDir} --auto` },
  };
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
