import { figureDataUri } from '../exam/figures.js';
import type { Exam, Figure, Question, SubPart } from '../exam/schema.js';

/**
 * The exam's figures in the report, beside the question or sub-part they belong to. They are embedded as data: URIs
 * (the page's CSP allows no other image source) and only ever shown through <img>, so an SVG's scripts never run.
 */

export interface FigureView {
  /** As the prompt numbers them within the question: "[Figure 2: …]" in the prompt is Figure 2 here. */
  number: number;
  file: string;
  alt: string;
  /** Undefined when the file is missing or unusable (`heldout exam lint` says why). */
  src?: string;
}

/** Only an image type a figure may have, in base64: anything else is not put in the page. */
const IMAGE_DATA_URI = /^data:image\/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/]*={0,2}$/;

/** Reads every figure file of the exam once: data: URIs by the file name the exam gives. */
export function readFigureSources(exam: Exam, examDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: Question | SubPart) => {
    for (const f of node.figures ?? []) {
      if (out[f.file] !== undefined) continue;
      const uri = figureDataUri(examDir, f);
      if (uri) out[f.file] = uri;
    }
    for (const s of node.subparts ?? []) walk(s);
  };
  for (const part of exam.parts) for (const q of part.questions) walk(q);
  return out;
}

/**
 * A question's figures, numbered as its prompt numbers them (the question's, then each sub-part's in order). The
 * report lists leaf sub-parts only, so the figures of a sub-part that has sub-parts go with its first leaf.
 */
export function questionFigures(
  question: Question,
  sources: Record<string, string> = {},
): { question: FigureView[]; byUnit: Map<string, FigureView[]> } {
  let number = 0;
  const views = (figures: Figure[] | undefined): FigureView[] =>
    (figures ?? []).map((f) => {
      const src = sources[f.file];
      return {
        number: ++number,
        file: f.file,
        alt: f.alt.trim(),
        src: src && IMAGE_DATA_URI.test(src) ? src : undefined,
      };
    });
  const own = views(question.figures);
  const byUnit = new Map<string, FigureView[]>();
  let pending: FigureView[] = [];
  const walk = (nodes: SubPart[] | undefined) => {
    for (const s of nodes ?? []) {
      pending.push(...views(s.figures));
      if (s.subparts?.length) walk(s.subparts);
      else {
        byUnit.set(s.id, pending);
        pending = [];
      }
    }
  };
  walk(question.subparts);
  return { question: own, byUnit };
}
