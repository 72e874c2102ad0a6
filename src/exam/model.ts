import { canonicalJson, sha256 } from '../io/hash.js';
import type { Answer, Exam, Part, Question, SubPart } from './schema.js';

/**
 * A gradable unit: a question or sub-part with no sub-parts of its own. Rubric items attach to units,
 * and grades are given per unit.
 */
export interface Unit {
  id: string;
  questionId: string;
  partId: string;
  /** Labels from question number down, e.g. ["13", "b"]. */
  labels: string[];
  text: string;
  points: number;
  reference?: string;
  answer?: Answer;
}

type Node = Question | SubPart;

function label(node: Node): string {
  if ('number' in node) return node.number;
  return node.label ?? node.id;
}

export function examUnits(exam: Exam): Unit[] {
  const out: Unit[] = [];
  const visit = (node: Node, part: Part, question: Question, labels: string[]) => {
    const here = [...labels, label(node)];
    if (node.subparts?.length) {
      for (const child of node.subparts) visit(child, part, question, here);
      return;
    }
    out.push({
      id: node.id,
      questionId: question.id,
      partId: part.id,
      labels: here,
      text: node.text,
      points: node.points,
      reference: node.reference,
      answer: node.answer,
    });
  };
  for (const part of exam.parts) for (const q of part.questions) visit(q, part, q, []);
  return out;
}

export function examQuestions(exam: Exam): { question: Question; part: Part }[] {
  return exam.parts.flatMap((part) => part.questions.map((question) => ({ question, part })));
}

/** Points a candidate can earn: `choose` parts count only their k questions. */
export function examMaxPoints(exam: Exam): number {
  return exam.parts.reduce((sum, part) => sum + partMaxPoints(part), 0);
}

export function partMaxPoints(part: Part): number {
  const pts = part.questions.map((q) => q.points).sort((a, b) => b - a);
  const k = part.choose ? Math.min(part.choose.count, pts.length) : pts.length;
  return pts.slice(0, k).reduce((a, b) => a + b, 0);
}

/** Full text of a question as asked on paper: stem, then each sub-part with its label. */
export function questionPromptText(question: Question): string {
  // Figures are described by their alt text: every model reads the same words, and the prompt records them.
  let figureNo = 0;
  const figures = (node: Question | SubPart) =>
    (node.figures ?? []).map((f) => `[Figure ${++figureNo}: ${f.alt.trim()}]`).join('\n');
  const lines = [[question.text.trim(), figures(question)].filter(Boolean).join('\n\n')];
  const walk = (nodes: SubPart[] | undefined, depth: number) => {
    for (const s of nodes ?? []) {
      const described = figures(s);
      lines.push(
        `${'  '.repeat(depth)}${s.label ?? s.id}) ${s.text.trim()} (${s.points} point${s.points === 1 ? '' : 's'})${described ? `\n${described}` : ''}`,
      );
      walk(s.subparts, depth + 1);
    }
  };
  walk(question.subparts, 0);
  return lines.join('\n\n');
}

export function examHash(exam: Exam): string {
  return `sha256:${sha256(canonicalJson(exam))}`;
}
