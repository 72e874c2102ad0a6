import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { BenchItem, BenchmarkSource } from '../contamination/bench/source.js';
import { HeldoutError } from '../errors.js';

/**
 * The demo's planted contamination, built at demo time from the benchmark pack by item id, so that no benchmark text
 * sits in plain text in the repository: an answer sheet that reproduces benchmark reference solutions (a GSM8K
 * solution with its `<<…>>` calculator notes, a MATH solution), and a small exam of copied benchmark items.
 */

/** Exam question → the benchmark solution the "memoriser" writes as its answer. */
export const MEMORISED_ANSWERS: { questionId: string; itemId: string }[] = [
  // A price that rises and then falls: the answer is GSM8K's solution to its toy-price problem, notes and all.
  { questionId: '2', itemId: 'gsm8k/test:1230' },
  // An arithmetic sequence: the answer is MATH's solution to its 7th/11th-term problem.
  { questionId: '5', itemId: 'math/test:142' },
];

export type LeakKind = 'verbatim' | 'edited' | 'numbers changed';

/** The leaky exam's questions: a verbatim copy, an edited copy and a number-changed template. */
export const LEAKY_QUESTIONS: { id: string; itemId: string; kind: LeakKind }[] = [
  { id: 'L1', itemId: 'gsm8k/test:163', kind: 'verbatim' },
  { id: 'L2', itemId: 'math/test:32', kind: 'edited' },
  { id: 'L3', itemId: 'gsm8k/test:337', kind: 'numbers changed' },
];

export const MEMORISER_LABEL = 'memoriser';
export const LEAKY_EXAM_ID = 'demo-leaky';

function findItem(sources: BenchmarkSource[], itemId: string): BenchItem {
  for (const s of sources) {
    const it = s.items.find((i) => i.id === itemId);
    if (it) return it;
  }
  throw new HeldoutError(`the demo needs benchmark item ${itemId}, which no loaded benchmark has`, {
    hint: 'the demo builds its leaky examples from the offline pack (data/benchmark-pack); rebuild it with `heldout bench pack`',
  });
}

/** A light human edit: names and a few words swapped, sentences otherwise intact. */
export function editCopy(text: string): string {
  return text
    .replace(/\bDiana\b/g, 'Dora')
    .replace(/\bShe\b/g, 'she')
    .replace(/\bdollars\b/g, 'euros')
    .replace(/\bHow many more\b/, 'By how many more')
    .replace(/\bwould she get\b/, 'would she earn');
}

/** GSM1k-style: the same problem with new numbers (each whole number n becomes n + 3, except in LaTeX commands). */
export function changeNumbers(text: string): string {
  return text.replace(/(?<![\\\w.])\d+(?![\w.]\d)/g, (n) => String(Number(n) + 3));
}

/** Writes the memoriser's answer sheet (JSONL: id, answer) and returns its path. */
export function writeMemorisedSheet(dir: string, sources: BenchmarkSource[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'memorised.jsonl');
  const rows = MEMORISED_ANSWERS.map(({ questionId, itemId }) => {
    const solution = findItem(sources, itemId).solution;
    if (!solution) throw new HeldoutError(`benchmark item ${itemId} has no reference solution`);
    return JSON.stringify({ id: questionId, answer: solution });
  });
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

/** Writes the leaky exam (exam.yaml) into `dir` and returns the directory. */
export function writeLeakyExam(dir: string, sources: BenchmarkSource[], released: string): string {
  mkdirSync(dir, { recursive: true });
  const questions = LEAKY_QUESTIONS.map(({ id, itemId, kind }, k) => {
    const text = findItem(sources, itemId).text;
    const planted = kind === 'verbatim' ? text : kind === 'edited' ? editCopy(text) : changeNumbers(text);
    return { id, number: k + 1, text: planted, points: 1 };
  });
  const exam = {
    id: LEAKY_EXAM_ID,
    title: 'A leaky exam (the demo plants benchmark items in it)',
    language: 'en',
    released,
    source: `Written by \`heldout demo\` from the offline benchmark pack: ${LEAKY_QUESTIONS.map((q) => `${q.id} = ${q.itemId} (${q.kind})`).join(', ')}. \`heldout check\` must flag every question.`,
    points: questions.length,
    parts: [{ id: 'I', title: 'Planted benchmark items', points: questions.length, questions }],
  };
  writeFileSync(join(dir, 'exam.yaml'), stringify(exam, { lineWidth: 0 }));
  return dir;
}
