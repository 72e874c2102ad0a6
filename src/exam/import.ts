import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { HeldoutError } from '../errors.js';
import { readTable, requireColumn } from '../store/tabular.js';
import { detectLanguage } from './language.js';
import { idSchema } from './schema.js';
import { displayPath } from './source.js';

export interface ImportOptions {
  field: string;
  id: string;
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
  const questions = table.rows.map((row, i) => {
    const raw = row.values[opts.field];
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw new HeldoutError(`empty or missing question text in "${opts.field}"`, {
        where: `${table.file}:${row.line}`,
      });
    }
    return {
      id: String(i + 1),
      number: i + 1,
      text: raw.replace(/\r\n/g, '\n').trim(),
      points: 0,
    };
  });
  const language = opts.language ?? detectLanguage(questions.map((q) => q.text).join('\n')) ?? 'en';
  const exam = {
    id: opts.id,
    title: opts.title ?? opts.id,
    language,
    released: new Date().toISOString().slice(0, 10),
    source: `imported from ${basename(file)}`,
    instructions: 'Answer each question. Show your working and give the final answer as \\boxed{...}.',
    parts: [{ id: 'I', title: 'Questions', points: 0, questions }],
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
    '# Imported skeleton: every points value is 0. Fill in points (and split parts or add answers),\n' +
    '# then check with `heldout exam lint`.\n';
  writeFileSync(target, header + stringify(exam, { lineWidth: 0 }));
  return { file: displayPath(target), dir: displayPath(dir), questions: questions.length };
}
