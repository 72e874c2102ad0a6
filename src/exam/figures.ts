import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, normalize, resolve, sep } from 'node:path';
import { sha256 } from '../io/hash.js';
import type { Exam, Figure, Question, SubPart } from './schema.js';

/**
 * Figures: PNG, SVG or JPEG files beside the exam file, each with alt text. The alt text is what a model without
 * image input is given (in the question text, so it is recorded in every prompt of the run), and the file bytes are
 * part of the question's version, so a redrawn diagram makes its units' grades stale.
 */

export const FIGURE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

/** Files larger than this are refused: a figure is a diagram, not a scan of the paper. */
export const MAX_FIGURE_BYTES = 5 * 1024 * 1024;

/** Why a figure cannot be used, or undefined. Paths are relative to the exam directory and may not leave it. */
export function figureProblem(examDir: string, figure: Figure): string | undefined {
  const type = FIGURE_TYPES[extname(figure.file).toLowerCase()];
  if (isAbsolute(figure.file) || normalize(figure.file).split(/[\\/]/).includes('..'))
    return `figure "${figure.file}" must be a path inside the exam's folder (no absolute path, no "..")`;
  if (!type) return `figure "${figure.file}" must be a PNG, SVG or JPEG file (.png, .svg, .jpg, .jpeg)`;
  const path = resolve(examDir, figure.file);
  if (!path.startsWith(resolve(examDir) + sep)) return `figure "${figure.file}" must be inside the exam's folder`;
  if (!existsSync(path)) return `figure file "${figure.file}" is not there (looked in ${examDir})`;
  const size = statSync(path).size;
  if (size === 0) return `figure file "${figure.file}" is empty`;
  if (size > MAX_FIGURE_BYTES)
    return `figure file "${figure.file}" is ${Math.round(size / 1024 / 1024)} MB; keep figures under 5 MB`;
  return undefined;
}

/** A figure as a data: URI (the preview and report allow no other image source). */
export function figureDataUri(examDir: string, figure: Figure): string | undefined {
  if (figureProblem(examDir, figure)) return undefined;
  const type = FIGURE_TYPES[extname(figure.file).toLowerCase()];
  return `data:${type};base64,${readFileSync(resolve(examDir, figure.file)).toString('base64')}`;
}

type Node = Question | SubPart;

/** Per unit: hashes of the bytes of the figures on its way down from the question (for content versions). */
export function figureBytesHasher(exam: Exam, examDir: string): (unitId: string) => unknown {
  const byUnit = new Map<string, string[]>();
  const walk = (node: Node, above: Figure[]) => {
    const here = [...above, ...(node.figures ?? [])];
    if (node.subparts?.length) for (const c of node.subparts) walk(c, here);
    else if (here.length)
      byUnit.set(
        node.id,
        here.map((f) => {
          const path = resolve(examDir, f.file);
          return figureProblem(examDir, f) ? `missing:${f.file}` : sha256(readFileSync(path)).slice(0, 16);
        }),
      );
  };
  for (const part of exam.parts) for (const q of part.questions) walk(q, []);
  return (unitId) => byUnit.get(unitId);
}

/** How a figure reads in a text prompt: "[Figure 1: a right triangle with legs 3 and 4]". */
export function figureText(figures: Figure[] | undefined, start = 1): string[] {
  return (figures ?? []).map((f, i) => `[Figure ${start + i}: ${f.alt.trim()}]`);
}
