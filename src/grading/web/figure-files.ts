import { extname, resolve } from 'node:path';
import { FIGURE_TYPES, figureProblem } from '../../exam/figures.js';
import type { Exam, Figure, Question, SubPart } from '../../exam/schema.js';
import type { FigureView } from './protocol.js';

/**
 * The exam's figures as the grading server serves them: each usable file gets a number, and the page asks for
 * `fig/<number>` under the token. The page never names a path, so no request can reach a file the exam does not
 * list; an unusable figure (missing, too large, outside the exam's folder) is shown by its alt text alone.
 */
export class ExamFigures {
  private readonly files: { path: string; type: string }[] = [];
  private readonly byUnit = new Map<string, { question: FigureView[]; part: FigureView[] }>();

  constructor(exam: Exam, examDir: string) {
    const numbers = new Map<string, number>();
    const view = (f: Figure): FigureView => {
      if (figureProblem(examDir, f)) return { alt: f.alt, file: f.file };
      let n = numbers.get(f.file);
      if (n === undefined) {
        n = this.files.length;
        numbers.set(f.file, n);
        this.files.push({ path: resolve(examDir, f.file), type: FIGURE_TYPES[extname(f.file).toLowerCase()] });
      }
      return { alt: f.alt, file: f.file, src: `fig/${n}` };
    };
    const walk = (node: Question | SubPart, question: FigureView[], part: FigureView[]) => {
      if (node.subparts?.length) {
        for (const c of node.subparts) walk(c, question, [...part, ...(c.figures ?? []).map(view)]);
      } else if (question.length || part.length) this.byUnit.set(node.id, { question, part });
    };
    for (const p of exam.parts) for (const q of p.questions) walk(q, (q.figures ?? []).map(view), []);
  }

  /** The figures of a unit's question, and those of the sub-parts on the way down to it. */
  forUnit(unitId: string): { question: FigureView[]; part: FigureView[] } {
    return this.byUnit.get(unitId) ?? { question: [], part: [] };
  }

  /** The file behind `fig/<n>`, or undefined. */
  file(n: number): { path: string; type: string } | undefined {
    return this.files[n];
  }
}
