import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { HeldoutError } from '../errors.js';
import type { LoadedExam } from '../exam/load.js';
import type { Question, SubPart } from '../exam/schema.js';
import { displayPath } from '../io/files.js';
import { readTable, requireColumn } from '../io/tabular.js';
import { loadRunResponses, RESPONSES_FILE } from '../store/run.js';
import type { CheckText } from './check/result.js';

/**
 * The texts the check compares. For an exam: one text per unit (a question without sub-parts, or a leaf
 * sub-part). A sub-part's text is prefixed with its question's stem (and any parent sub-parts), because
 * "b) $B \setminus A$" alone is meaningless and a copied problem is usually copied with its stem.
 */
export interface ExamText extends CheckText {
  questionId: string;
}

export function examTexts(loaded: LoadedExam): ExamText[] {
  const out: ExamText[] = [];
  const visit = (node: Question | SubPart, question: Question, prefix: string[]) => {
    const here = [...prefix, node.text.trim()];
    if (node.subparts?.length) {
      for (const child of node.subparts) visit(child, question, here);
      return;
    }
    out.push({
      id: node.id,
      questionId: question.id,
      text: here.join('\n\n'),
      // Detection decides for an item with enough prose (an exam may quote another language); the exam's
      // language is the fallback.
      language: loaded.exam.language,
    });
  };
  for (const part of loaded.exam.parts) for (const q of part.questions) visit(q, q, []);
  return out;
}

/** Any list of texts: a JSONL or CSV file with a text field, ids from `id` when present, else `<file>:<line>`. */
export function itemsFileTexts(file: string, field: string, idField = 'id'): CheckText[] {
  const table = readTable(file);
  requireColumn(table, field);
  const stem = basename(file, extname(file));
  const seen = new Set<string>();
  return table.rows.map((r) => {
    const v = r.values[field];
    if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number') {
      throw new HeldoutError(`field "${field}" is not text`, { where: `${table.file}:${r.line}` });
    }
    const rawId = r.values[idField];
    let id = rawId === undefined || rawId === null || rawId === '' ? `${stem}:${r.line}` : String(rawId);
    if (seen.has(id)) id = `${id}@${r.line}`;
    seen.add(id);
    return { id, text: v === undefined || v === null ? '' : String(v) };
  });
}

export interface AnswerText extends CheckText {
  responseId: string;
  model: string;
  questionId: string;
}

/**
 * Model answers from `runs/<id>/responses.jsonl`: the last record per id, those with text. `language` is the exam's:
 * answers to it are in its language, whatever a detector makes of their maths.
 */
export function runAnswerTexts(runDir: string, language?: string): { file: string; answers: AnswerText[] } {
  // A run directory, or its responses.jsonl: store/ is the one reader of the run's files.
  const dir =
    existsSync(runDir) && !statSync(runDir).isDirectory() && basename(runDir) === RESPONSES_FILE
      ? dirname(runDir)
      : runDir;
  const file = join(dir, RESPONSES_FILE);
  if (!existsSync(file)) {
    throw new HeldoutError('no responses.jsonl in the run directory', {
      where: displayPath(runDir),
      hint: 'pass a run directory made by `heldout run` (runs/<id>)',
    });
  }
  const last = loadRunResponses(dir);
  const answers: AnswerText[] = [];
  for (const r of last) {
    if (typeof r.text !== 'string' || r.error) continue;
    answers.push({
      id: r.id,
      responseId: r.id,
      model: r.model,
      questionId: r.questionId,
      text: r.text,
      ...(language ? { language, languageDecides: true } : {}),
    });
  }
  return { file: displayPath(file), answers };
}
