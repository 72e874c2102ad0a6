import { basename } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { HeldoutError } from '../errors.js';
import { examQuestions } from '../exam/model.js';
import { displayPath } from '../io/files.js';
import { readTable, tableKind } from '../io/tabular.js';
import { writeFileAtomic } from '../io/write-file.js';
import type { GradeRecord } from '../store/records.js';
import { blindId, runSalt, shuffled } from './blind.js';
import { gradableUnits, loadRunContext, type RunContext, type RunContextOptions, rubricFor } from './context.js';
import { appendGrades } from './grade-writer.js';
import { applyRubric } from './rubric-apply.js';
import { answerHash, runIdentity } from './run-binding.js';

/**
 * Grading sheets for people who mark in a spreadsheet: one row per answer × rubric item (and one per cap that
 * a grader decides), with an empty `points` column. The question, official answer, marking notes and the answer
 * are on the first row of each answer's block only, so the sheet reads like a marking script; `comment` takes the
 * grader's remark on the answer. Import validates every row first and imports nothing if any row is bad; errors
 * name the spreadsheet row and column ("row 7, column points (F)"), which is what a spreadsheet shows.
 */

export const SHEET_COLUMNS = [
  'answer_id',
  'unit_id',
  'row_type',
  'item_id',
  'max_points',
  'points',
  'criterion',
  'comment',
  'question',
  'reference',
  'marking_notes',
  'answer',
  'model',
  // Binding (run-binding.ts): import refuses rows of another run, or whose answer changed since the export.
  'run_id',
  'answer_hash',
] as const;

/** Spreadsheets run cells that start with = + - @ as formulas; a leading apostrophe keeps them text. */
function safeCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function exportGradingSheet(
  runDir: string,
  file: string,
  opts: RunContextOptions & { blind?: boolean; seed?: number } = {},
): { rows: number; answers: number } {
  const ctx = loadRunContext(runDir, opts);
  const blind = opts.blind !== false;
  const salt = blind ? runSalt(ctx.runDir) : '';
  const questionText = new Map(examQuestions(ctx.exam.exam).map(({ question }) => [question.id, question.text]));
  const runId = runIdentity(ctx.runDir);
  let responses = ctx.responses.filter((r) => !r.error && r.text !== undefined);
  responses = blind ? shuffled(responses, opts.seed ?? 1) : responses;
  const rows: string[][] = [];
  const paperNotes = safeCell(ctx.rubric.rubric.notes?.trim() ?? '');
  let answers = 0;
  for (const r of responses) {
    for (const unit of gradableUnits(ctx, r)) {
      const target = rubricFor(ctx, unit.id)!;
      answers++;
      // The long cells go on the first row of the answer's block only.
      const first = {
        question: safeCell(
          unit.questionId === unit.id
            ? (questionText.get(unit.questionId) ?? '')
            : `${questionText.get(unit.questionId) ?? ''}\n\n(${unit.labels.slice(1).join('.')}) ${unit.text}`,
        ),
        reference: safeCell(unit.reference ?? ''),
        marking_notes: safeCell(target.notes?.trim() ?? ''),
        answer: safeCell(r.text ?? ''),
      };
      const common = {
        answer_id: blind ? blindId(salt, r.id) : r.id,
        unit_id: unit.id,
        model: blind ? '' : r.model,
        // On every row: each row is checked against this run and this answer text on import.
        run_id: safeCell(runId),
        answer_hash: answerHash(r.text ?? ''),
      };
      const block: Partial<Record<(typeof SHEET_COLUMNS)[number], string>>[] = [];
      for (const item of target.items) {
        block.push({
          ...common,
          row_type: 'item',
          item_id: item.id,
          max_points: String(item.points),
          criterion: safeCell(item.criterion),
        });
      }
      for (const cap of target.caps ?? []) {
        if (cap.unless) continue;
        block.push({
          ...common,
          row_type: 'cap',
          item_id: cap.id,
          max_points: '',
          criterion: safeCell(`${cap.criterion} (points column: yes if this applies, else no or empty)`),
        });
      }
      if (rows.length === 0 && paperNotes)
        first.marking_notes = `For the whole paper: ${paperNotes}\n\n${first.marking_notes}`.trim();
      for (const [k, b] of block.entries()) rows.push(row(k === 0 ? { ...b, ...first } : b));
    }
  }
  const columns = blind ? SHEET_COLUMNS.filter((c) => c !== 'model') : [...SHEET_COLUMNS];
  const body = stringify([columns.map(String), ...rows.map((r) => columns.map((c) => r[SHEET_COLUMNS.indexOf(c)]))], {
    record_delimiter: 'unix',
  });
  writeFileAtomic(file, body, { flag: '--csv', example: 'sheet.csv' });
  return { rows: rows.length, answers };
}

function row(v: Partial<Record<(typeof SHEET_COLUMNS)[number], string>>): string[] {
  return SHEET_COLUMNS.map((c) => v[c] ?? '');
}

interface PendingUnit {
  answerId: string;
  responseId: string;
  unitId: string;
  items: Record<string, { points: number } | null>;
  caps: Set<string>;
  comments: string[];
  /** Index of the block's first row, and of each item's row. */
  first: number;
  rowOf: Record<string, number>;
}

export function importGradingSheet(
  runDir: string,
  file: string,
  opts: RunContextOptions & { grader: string; kind?: 'human' | 'judge'; now?: () => string },
): { rows: number; grades: number; written: number } {
  const grader = opts.grader.trim();
  if (!grader) throw new HeldoutError('--grader must not be empty');
  const ctx = loadRunContext(runDir, opts);
  const table = readTable(file);
  const shown = displayPath(file);
  for (const col of ['answer_id', 'unit_id', 'item_id', 'points']) {
    if (!table.columns.includes(col)) {
      throw new HeldoutError(`no column "${col}"`, {
        where: shown,
        hint: `a grading sheet needs answer_id, unit_id, item_id and points (write one with \`heldout grades export\`)`,
      });
    }
  }
  const answerIds = answerIdMap(ctx);
  const runId = runIdentity(ctx.runDir);
  const texts = new Map(ctx.responses.map((r) => [r.id, r.text ?? '']));
  const otherRuns = new Set<string>();
  const errors: { index: number; column: string; message: string }[] = [];
  const csv = tableKind(file) === 'csv';
  // A spreadsheet numbers the header row 1; JSONL has no header, and its rows are lines.
  const rowName = (index: number) => (csv ? `row ${index + 2}` : `line ${table.rows[index].line}`);
  const columnName = (column: string) => {
    const at = table.columns.indexOf(column);
    return csv && at >= 0 ? `column ${column} (${columnLetter(at)})` : `field ${column}`;
  };
  const units = new Map<string, PendingUnit>();
  const seen = new Set<string>();
  // Units with a bad row: their completeness is not reported again.
  const badUnits = new Set<string>();
  for (const [index, { values }] of table.rows.entries()) {
    let unitKey: string | undefined;
    const bad = (column: string, message: string) => {
      errors.push({ index, column, message });
      if (unitKey) badUnits.add(unitKey);
    };
    const answerId = String(values.answer_id ?? '').trim();
    const unitId = String(values.unit_id ?? '').trim();
    const itemId = String(values.item_id ?? '').trim();
    const rawPoints = String(values.points ?? '').trim();
    const response = answerIds.get(answerId);
    if (!response) {
      bad('answer_id', `"${answerId}" is not an answer in this run`);
      continue;
    }
    // Sheets without these columns (written by hand, or by an older heldout) are not checked.
    const rowRun = String(values.run_id ?? '')
      .trim()
      .replace(/^'/, '');
    if (table.columns.includes('run_id') && rowRun !== runId) {
      otherRuns.add(rowRun || '(empty)');
      bad('run_id', `answer ${answerId} is from run "${rowRun || '(empty)'}", not this run ("${runId}")`);
      continue;
    }
    const rowHash = String(values.answer_hash ?? '').trim();
    if (table.columns.includes('answer_hash') && rowHash !== answerHash(texts.get(response) ?? '')) {
      bad('answer_hash', `the text of answer ${answerId} changed since the sheet was exported (answer_hash differs)`);
      continue;
    }
    const target = rubricFor(ctx, unitId);
    if (!target || !ctx.responses.find((r) => r.id === response)?.unitIds.includes(unitId)) {
      bad('unit_id', `"${unitId}" is not graded on answer ${answerId}`);
      continue;
    }
    const key = `${response}\u0000${unitId}`;
    unitKey = key;
    if (seen.has(`${key}\u0000${itemId}`)) {
      bad('item_id', `item "${itemId}" appears twice for answer ${answerId}, unit ${unitId}`);
      continue;
    }
    seen.add(`${key}\u0000${itemId}`);
    const pending = units.get(key) ?? {
      answerId,
      responseId: response,
      unitId,
      items: {},
      caps: new Set<string>(),
      comments: [],
      first: index,
      rowOf: {},
    };
    pending.rowOf[itemId] = index;
    units.set(key, pending);
    const comment = String(values.comment ?? '').trim();
    if (comment) pending.comments.push(comment);
    const item = target.items.find((i) => i.id === itemId);
    const cap = (target.caps ?? []).find((c) => c.id === itemId && !c.unless);
    if (item) {
      if (rawPoints === '') {
        pending.items[itemId] = null;
        continue;
      }
      // Plain decimals only: Number() would also read 0x1, 1e0, Infinity and " " as numbers.
      const p = /^[+-]?\d+(?:[.,]\d+)?$/.test(rawPoints) ? Number(rawPoints.replace(',', '.')) : Number.NaN;
      if (!Number.isFinite(p)) bad('points', `"${rawPoints}" for item ${itemId} is not a number`);
      else if (!Number.isInteger(p)) bad('points', `${p} for item ${itemId} must be a whole number`);
      else if (p < 0 || p > item.points) bad('points', `${p} for item ${itemId} must be between 0 and ${item.points}`);
      else pending.items[itemId] = { points: p };
    } else if (cap) {
      const v = rawPoints.toLowerCase();
      if (['yes', 'y', '1', 'true', 'x'].includes(v)) pending.caps.add(cap.id);
      else if (!['', 'no', 'n', '0', 'false'].includes(v))
        bad('points', `cap ${cap.id}: write yes or no (got "${rawPoints}")`);
    } else {
      bad('item_id', `"${itemId}" is not a rubric item or cap of unit ${unitId}`);
    }
  }
  const grades: GradeRecord[] = [];
  const at = (opts.now ?? (() => new Date().toISOString()))();
  for (const [key, p] of units) {
    if (badUnits.has(key)) continue;
    const target = rubricFor(ctx, p.unitId)!;
    const filled = target.items.filter((i) => p.items[i.id]);
    if (filled.length === 0 && p.caps.size === 0) continue; // not graded yet: skipped, not an error
    const missing = target.items.filter((i) => !p.items[i.id]).map((i) => i.id);
    if (missing.length) {
      errors.push({
        index: p.rowOf[missing[0]] ?? p.first,
        column: 'points',
        message: `answer ${p.answerId}, unit ${p.unitId}: no points for ${missing.join(', ')} (fill every item of a unit, or none)`,
      });
      continue;
    }
    const unit = ctx.units.get(p.unitId)!;
    const applied = applyRubric(target, unit.points, {
      items: Object.fromEntries(Object.entries(p.items).map(([k, v]) => [k, { points: v!.points }])),
      caps: [...p.caps],
    });
    grades.push({
      responseId: p.responseId,
      unitId: p.unitId,
      grader: { kind: opts.kind ?? 'human', id: grader },
      status: 'graded',
      items: applied.items,
      ...(applied.caps.length ? { caps: applied.caps } : {}),
      total: applied.total,
      maxPoints: unit.points,
      note: [`imported from ${basename(file)}`, ...applied.notes].join('; '),
      ...(p.comments.length ? { comment: p.comments.join(' / ') } : {}),
      at,
    });
  }
  if (errors.length) {
    errors.sort((a, b) => a.index - b.index);
    const list = errors
      .slice(0, 5)
      .map((e) => `${rowName(e.index)}, ${columnName(e.column)}: ${e.message}`)
      .join('; ');
    throw new HeldoutError(
      `${errors.length} bad row(s), nothing imported: ${list}${errors.length > 5 ? `; and ${errors.length - 5} more` : ''}`,
      {
        where: shown,
        hint: otherRuns.size
          ? `this sheet was exported from another run; export one from ${displayPath(ctx.runDir)} with \`heldout grades export\``
          : 'fix the rows and import again',
      },
    );
  }
  // The same sheet under another name is the same grades: the file name in the note does not make them new.
  return {
    rows: table.rows.length,
    grades: grades.length,
    written: appendGrades(ctx.runDir, grades, { ignoreNote: true }),
  };
}

/** Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Both the blind ids and the plain response ids map to response ids. */
function answerIdMap(ctx: RunContext): Map<string, string> {
  const salt = runSalt(ctx.runDir);
  const m = new Map<string, string>();
  for (const r of ctx.responses) {
    m.set(r.id, r.id);
    m.set(blindId(salt, r.id), r.id);
  }
  return m;
}
