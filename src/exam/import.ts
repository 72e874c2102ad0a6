import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { readTable, requireColumn } from '../io/tabular.js';
import { detectLanguage } from './language.js';
import { idSchema } from './schema.js';

export interface ImportOptions {
  field: string;
  id: string;
  /** Columns that hold each question's points, final answer, id and part. */
  pointsColumn?: string;
  answerColumn?: string;
  idColumn?: string;
  partColumn?: string;
  out?: string;
  language?: string;
  title?: string;
  force?: boolean;
}

/**
 * Builds an exam skeleton from a flat list: one question per row, points 0 so that lint
 * says exactly what is left to fill in.
 */
export function importExamFile(file: string, opts: ImportOptions): { file: string; dir: string; questions: number } {
  const idCheck = idSchema.safeParse(opts.id);
  if (!idCheck.success) throw new HeldoutError(`--id "${opts.id}": ${idCheck.error.issues[0].message}`);
  const table = readTable(file);
  requireColumn(table, opts.field);
  if (table.rows.length === 0) throw new HeldoutError('no rows to import', { where: table.file });
  for (const [flag, col] of [
    ['--points-column', opts.pointsColumn],
    ['--answer-column', opts.answerColumn],
    ['--id-column', opts.idColumn],
    ['--part-column', opts.partColumn],
  ] as const) {
    if (col) requireColumn(table, col, flag);
  }
  const cell = (row: (typeof table.rows)[number], col?: string) => {
    if (!col) return undefined;
    const v = row.values[col];
    const text = v === undefined || v === null ? '' : String(v).trim();
    return text === '' ? undefined : text;
  };
  const seenIds = new Map<string, number>();
  const parts = new Map<string, { id: string; title: string; points: number; questions: Record<string, unknown>[] }>();
  const questions = table.rows.map((row, i) => {
    const raw = row.values[opts.field];
    const where = `${table.file}:${row.line}`;
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw new HeldoutError(`empty or missing question text in "${opts.field}"`, { where });
    }
    const id = cell(row, opts.idColumn) ?? String(i + 1);
    const idOk = idSchema.safeParse(id);
    if (!idOk.success)
      throw new HeldoutError(`question id "${id}" in "${opts.idColumn}": ${idOk.error.issues[0].message}`, { where });
    if (seenIds.has(id))
      throw new HeldoutError(`question id "${id}" is used twice (first on line ${seenIds.get(id)})`, { where });
    seenIds.set(id, row.line);
    const pointsText = cell(row, opts.pointsColumn);
    const points = pointsText === undefined ? 0 : Number(pointsText.replace(',', '.'));
    if (!Number.isInteger(points) || points < 0)
      throw new HeldoutError(`points "${pointsText}" in "${opts.pointsColumn}" is not a whole number of points`, {
        where,
      });
    const answerText = cell(row, opts.answerColumn);
    const question: Record<string, unknown> = {
      id,
      number: opts.idColumn ? id : i + 1,
      text: raw.replace(/\r\n/g, '\n').trim(),
      points,
      ...(answerText ? { answer: guessAnswer(answerText) } : {}),
    };
    const partName = cell(row, opts.partColumn) ?? 'I';
    let part = parts.get(partName);
    if (!part) {
      const partId = idSchema.safeParse(partName).success ? partName : `P${parts.size + 1}`;
      part = { id: partId, title: opts.partColumn ? `Part ${partName}` : 'Questions', points: 0, questions: [] };
      parts.set(partName, part);
    }
    part.questions.push(question);
    part.points += points;
    return question;
  });
  const language = opts.language ?? detectLanguage(questions.map((q) => String(q.text)).join('\n')) ?? 'en';
  const allParts = [...parts.values()];
  const exam = {
    id: opts.id,
    title: opts.title ?? opts.id,
    language,
    // Never today: the release date is what makes an exam held out, and only its author knows it. Lint says so.
    released: 'TODO',
    source: `imported from ${basename(file)}`,
    instructions: 'Answer each question. Show your working and give the final answer as \\boxed{...}.',
    ...(opts.pointsColumn ? { points: allParts.reduce((a, p) => a + p.points, 0) } : {}),
    parts: allParts,
  };
  const dir = resolve(opts.out ?? join('exams', opts.id));
  const target = join(dir, 'exam.yaml');
  if (existsSync(target) && !opts.force) {
    throw new HeldoutError('exam.yaml already exists', {
      where: displayPath(target),
      hint: 'pass --force to overwrite',
    });
  }
  mkdirSync(dir, { recursive: true });
  const header =
    '# Imported skeleton. Fill in `released` (the date the exam was first made public: it is what makes it held out),\n' +
    (opts.pointsColumn ? '' : '# every points value (0 for now), ') +
    '# check the answers guessed from the sheet, then run `heldout exam lint`.\n';
  writeFileSync(target, header + stringify(exam, { lineWidth: 0 }));
  return { file: displayPath(target), dir: displayPath(dir), questions: questions.length };
}

/** The answer cell as an exam answer: its kind guessed from its shape (lint and the author check it). */
export function guessAnswer(text: string): { kind: string; value: string | number | (string | number)[] } {
  const t = text.trim();
  const num = (x: string) => (/^-?\d+(\.\d+)?$/.test(x.trim()) ? Number(x.trim()) : x.trim());
  if (/^-?\d+([.,]\d+)?$/.test(t)) return { kind: 'number', value: Number(t.replace(',', '.')) };
  if (/^-?\d+\s*\/\s*\d+$/.test(t)) return { kind: 'fraction', value: t.replace(/\s+/g, '') };
  if (/^\(?[A-Ea-e]\)?$/.test(t)) return { kind: 'choice', value: t.replace(/[()]/g, '').toUpperCase() };
  if (/^[[(]\s*[^,;]+[,;]\s*[^,;]+[\])]$/.test(t) && /^\[|\]$/.test(t)) return { kind: 'interval', value: t };
  const inner = /^\\?\{(.*)\\?\}$/.exec(t);
  if (inner) return { kind: 'set', value: inner[1].split(/[,;]/).map(num) };
  const tuple = /^\((.*)\)$/.exec(t);
  if (tuple && /[,;]/.test(tuple[1])) return { kind: 'tuple', value: tuple[1].split(/[,;]/).map(num) };
  if (/[a-z]/i.test(t) && /[-+*/^=\\]|\d/.test(t)) return { kind: 'expression', value: t };
  return { kind: 'text', value: t };
}
