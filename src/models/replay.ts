import { HeldoutError } from '../errors.js';
import { readTable } from '../io/tabular.js';

/**
 * `replay:<file>`: answers recorded elsewhere (CSV or JSONL), brought into heldout as if a model gave them.
 * Rows match questions by id, or by question text (whitespace-, case- and LaTeX-insensitive, chat template stripped).
 */

export const ID_COLUMNS = ['id', 'questionId', 'question_id', 'qid'];
export const TEXT_COLUMNS = ['question', 'prompt', 'problem', 'input'];
export const ANSWER_COLUMNS = ['answer', 'response', 'output', 'completion'];

export interface ReplayRow {
  /** 1-based line in the file where the row starts. */
  line: number;
  id?: string;
  /** The question text as recorded (chat template and all). */
  text?: string;
  answer: string;
  values: Record<string, unknown>;
}

export interface ReplaySheet {
  file: string;
  columns: string[];
  idColumn?: string;
  textColumn?: string;
  answerColumn: string;
  rows: ReplayRow[];
}

function pick(columns: string[], names: string[]): string | undefined {
  for (const n of names) {
    const hit = columns.find((c) => c.toLowerCase() === n.toLowerCase());
    if (hit) return hit;
  }
  return undefined;
}

const cell = (v: unknown): string | undefined =>
  v === undefined || v === null ? undefined : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

export function loadReplaySheet(file: string): ReplaySheet {
  const table = readTable(file);
  const idColumn = pick(table.columns, ID_COLUMNS);
  const textColumn = pick(table.columns, TEXT_COLUMNS);
  const answerColumn = pick(table.columns, ANSWER_COLUMNS);
  if (!answerColumn) {
    throw new HeldoutError('no answer column', {
      where: table.file,
      hint: `name it one of ${ANSWER_COLUMNS.join(', ')} (columns are: ${table.columns.join(', ') || 'none'})`,
    });
  }
  if (!idColumn && !textColumn) {
    throw new HeldoutError('no column to match answers to questions', {
      where: table.file,
      hint: `add an id column (${ID_COLUMNS.join(', ')}) or a question text column (${TEXT_COLUMNS.join(', ')})`,
    });
  }
  // JSONL rows need not share keys: look each field up per row, in the order of preference.
  const first = (values: Record<string, unknown>, names: string[]) => {
    for (const n of names) {
      const key = Object.keys(values).find((k) => k.toLowerCase() === n.toLowerCase());
      if (key !== undefined && values[key] !== undefined && values[key] !== null && values[key] !== '')
        return values[key];
    }
    return undefined;
  };
  const rows: ReplayRow[] = table.rows.map((r) => {
    const answer = first(r.values, ANSWER_COLUMNS);
    if (answer !== undefined && typeof answer !== 'string' && typeof answer !== 'number') {
      throw new HeldoutError(`"${answerColumn}" must be text`, { where: `${table.file}:${r.line}` });
    }
    const id = cell(first(r.values, ID_COLUMNS))?.trim();
    return {
      line: r.line,
      id: id || undefined,
      text: cell(first(r.values, TEXT_COLUMNS)),
      answer: answer === undefined ? '' : String(answer).replace(/\r\n?/g, '\n'),
      values: r.values,
    };
  });
  return { file: table.file, columns: table.columns, idColumn, textColumn, answerColumn, rows };
}

/** Drops chat-template wrapping: `User: Answer the following question:\n…\n\nAssistant:`, ChatML tokens, etc. */
export function stripChatTemplate(s: string): string {
  return s
    .replace(/<\|[^|>]{1,40}\|>/g, ' ')
    .replace(/^\s*(user|human|question)\s*:\s*/i, '')
    .replace(/^\s*(please\s+)?(answer|solve) the following (question|problem)s?\s*[:.]?\s*/i, '')
    .replace(/\s*(assistant|ai|answer)\s*:\s*$/i, '');
}

const SYMBOLS: Record<string, string> = {
  '≤': '\\le ',
  '≥': '\\ge ',
  '·': '\\cdot ',
  '×': '\\times ',
  '−': '-',
  '–': '-',
  '—': '-',
  '∈': '\\in ',
  '∩': '\\cap ',
  '∪': '\\cup ',
  '≠': '\\ne ',
  '’': "'",
  '“': '"',
  '”': '"',
};

/** Whitespace-, case- and LaTeX-insensitive form of a question for matching. */
export function normaliseQuestionText(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[≤≥·×−–—∈∩∪≠’“”]/g, (c) => SYMBOLS[c] ?? c)
    .replace(/\\leq?\b/g, '\\le ')
    .replace(/\\geq?\b/g, '\\ge ')
    .replace(/\\neq?\b/g, '\\ne ')
    .replace(/\\[()[\]]/g, ' ')
    .replace(/\\(left|right|displaystyle|textstyle|big|Big|bigg|Bigg)\b/g, '')
    .replace(/\\[,;:! ]/g, ' ')
    .replace(/\\(quad|qquad)\b/g, ' ')
    .replace(/\\[dt]frac\b/g, '\\frac')
    .replace(/\\(text|mathrm|mathbf|mathit|textbf|textit|operatorname|mbox)\s*\{/g, '{')
    .replace(/\*\*|__/g, '')
    .toLowerCase()
    .replace(/[\s$\\{}~]+/g, '');
}

export interface ReplayTarget {
  /** The id the answer is stored under (a question, or a unit with --split-subparts). */
  questionId: string;
  /** Other ids that also name it (e.g. a one-unit question's unit id). */
  aliases?: string[];
  /** Text pieces that appear in the question as asked: stem, then each sub-part. */
  pieces: string[];
}

export interface ReplayMatch {
  /** Rows per target, in file order: row i is sample i. */
  byQuestion: Map<string, ReplayRow[]>;
  /** Rows that matched no question, with why. */
  unmatched: { row: ReplayRow; reason: string }[];
}

/**
 * Matches each row to one target: by id when the row has one that is known, else by text. A target matches a row
 * when most of its text (stem and sub-parts) appears inside the row's normalised text; the best-covered target wins.
 */
export function matchReplay(sheet: ReplaySheet, targets: ReplayTarget[]): ReplayMatch {
  const byId = new Map<string, ReplayTarget>();
  for (const t of targets) {
    byId.set(t.questionId, t);
    for (const a of t.aliases ?? []) if (!byId.has(a)) byId.set(a, t);
  }
  const normTargets = targets.map((t) => ({
    t,
    pieces: t.pieces.map(normaliseQuestionText).filter((p) => p.length > 0),
  }));
  const byQuestion = new Map<string, ReplayRow[]>();
  const unmatched: ReplayMatch['unmatched'] = [];
  const add = (t: ReplayTarget, row: ReplayRow) => {
    const list = byQuestion.get(t.questionId) ?? [];
    list.push(row);
    byQuestion.set(t.questionId, list);
  };
  for (const row of sheet.rows) {
    if (row.id !== undefined) {
      const t = byId.get(row.id);
      if (t) {
        add(t, row);
        continue;
      }
      if (!row.text) {
        unmatched.push({ row, reason: `no question with id "${row.id}"` });
        continue;
      }
    }
    if (!row.text?.trim()) {
      unmatched.push({ row, reason: 'no id and no question text' });
      continue;
    }
    const hay = normaliseQuestionText(stripChatTemplate(row.text));
    let best: { t: ReplayTarget; covered: number } | undefined;
    let tie = false;
    for (const { t, pieces } of normTargets) {
      const total = pieces.reduce((s, p) => s + p.length, 0);
      if (total === 0) continue;
      let covered = pieces.reduce((s, p) => s + (hay.includes(p) ? p.length : 0), 0);
      // A row holding only part of a long question (e.g. the stem plus one sub-part) still names it.
      if (covered < total * 0.6 && hay.length >= 12 && pieces.join('').includes(hay)) covered = hay.length;
      if (covered < 8 || covered < Math.min(total, hay.length) * 0.6) continue;
      if (!best || covered > best.covered) {
        best = { t, covered };
        tie = false;
      } else if (covered === best.covered) tie = true;
    }
    if (!best) unmatched.push({ row, reason: 'its question text matches no question of the exam' });
    else if (tie) unmatched.push({ row, reason: 'its question text matches more than one question equally' });
    else add(best.t, row);
  }
  return { byQuestion, unmatched };
}
