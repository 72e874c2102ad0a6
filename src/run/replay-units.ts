import { HeldoutError } from '../errors.js';
import type { Unit } from '../exam/model.js';
import {
  matchReplay,
  normaliseQuestionText,
  type ReplayRow,
  type ReplaySheet,
  type ReplayTarget,
  stripChatTemplate,
} from '../models/replay.js';

/**
 * Sheets published with one row per grading unit (a row per question or sub-part, in exam order, e.g.
 * `prompt, answer, Points`): their rows map to units, not to questions. Such a sheet is recognised on its own when
 * its rows, in order, are the exam's units (by id, or by the question their text matches); `--unit-column` names
 * the column that holds each row's unit. When neither works, the error says which mapping was tried and why not.
 */

export interface UnitMapping {
  /** Rows per unit id, in file order (row i is sample i). */
  byUnit: Map<string, ReplayRow[]>;
  /** How the rows were mapped, for the run's log. */
  how: string;
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The unit a cell names: its id, or its labels joined ("13a", "13. a)", "13/a"). */
function unitNamed(cell: string, units: Unit[]): Unit | undefined {
  const want = squash(cell);
  return units.find((u) => squash(u.id) === want) ?? units.find((u) => squash(u.labels.join('')) === want);
}

export function mapRowsByUnitColumn(sheet: ReplaySheet, units: Unit[], column: string): UnitMapping {
  if (!sheet.columns.includes(column)) {
    throw new HeldoutError(`no column "${column}"`, {
      where: sheet.file,
      hint: `--unit-column must be one of: ${sheet.columns.map((c) => JSON.stringify(c)).join(', ')}`,
    });
  }
  const byUnit = new Map<string, ReplayRow[]>();
  for (const row of sheet.rows) {
    const raw = row.values[column];
    const cell = raw === undefined || raw === null ? '' : String(raw).trim();
    const unit = cell ? unitNamed(cell, units) : undefined;
    if (!unit) {
      throw new HeldoutError(
        `row ${row.line}, column ${column}: ${cell ? `"${cell}" names no unit of the exam` : 'empty'}`,
        {
          where: `${sheet.file}:${row.line}`,
          hint: `use a unit id or its labels, e.g. ${units
            .slice(0, 3)
            .map((u) => `"${u.id}"`)
            .join(', ')}`,
        },
      );
    }
    byUnit.set(unit.id, [...(byUnit.get(unit.id) ?? []), row]);
  }
  return { byUnit, how: `rows mapped to units by the column "${column}"` };
}

/**
 * A sheet whose rows are the exam's units in order, or undefined when it is not one. Rows count as units when
 * there are as many as units, and each row names its own unit (id) or matches the question of the unit at its
 * place (text). `questionTargets` are the per-question targets used for text matching.
 */
export function detectUnitSheet(
  sheet: ReplaySheet,
  units: Unit[],
  questionTargets: ReplayTarget[],
  samples: number,
): UnitMapping | undefined {
  const multi = new Set(units.map((u) => u.questionId)).size < units.length;
  if (!multi || sheet.rows.length !== units.length * samples) return undefined;
  const byUnit = new Map<string, ReplayRow[]>();
  const place = (i: number) => units[i % units.length];
  // Rows that name units by id.
  if (sheet.rows.every((r, i) => r.id !== undefined && squash(r.id) === squash(place(i).id))) {
    for (const [i, r] of sheet.rows.entries()) byUnit.set(place(i).id, [...(byUnit.get(place(i).id) ?? []), r]);
    return { byUnit, how: `${sheet.rows.length} rows, one per grading unit by id, in exam order` };
  }
  if (!sheet.textColumn) return undefined;
  // Rows in order: each row's text holds the text of the unit at its place (a sub-part's own words, or the
  // question's when the unit is the whole question).
  const fits = (row: ReplayRow, unit: Unit) => {
    const want = normaliseQuestionText(unit.text).slice(0, 160);
    return want.length > 0 && normaliseQuestionText(stripChatTemplate(row.text ?? '')).includes(want);
  };
  const off = sheet.rows.map((r, i) => ({ r, i })).filter(({ r, i }) => !fits(r, place(i)));
  // A row that holds another unit's text is out of order; one that holds none may be a transcription difference.
  const misplaced = off.filter(({ r }) => units.some((u) => fits(r, u)));
  if (misplaced.length > 0 || off.length > Math.floor(sheet.rows.length / 10)) {
    if (!misplaced.length) misplaced.push(...off);
    // Only a sheet that matches questions more than once per sample was meant per unit: say why it does not map.
    const several = [...matchReplay(sheet, questionTargets).byQuestion.values()].some((rows) => rows.length > samples);
    if (!several) return undefined;
    const first = misplaced[0];
    throw new HeldoutError(
      `the sheet has ${sheet.rows.length} rows, as many as the exam's ${units.length} grading units, but ${misplaced.length} are not in exam order: ` +
        `row ${first.r.line} should answer unit ${place(first.i).id} (question ${place(first.i).questionId}) and its text does not hold that unit's`,
      {
        where: sheet.file,
        hint: "tried: one row per unit in exam order. Sort the rows in exam order, or name each row's unit with --unit-column <column>",
      },
    );
  }
  for (const [i, r] of sheet.rows.entries()) byUnit.set(place(i).id, [...(byUnit.get(place(i).id) ?? []), r]);
  return {
    byUnit,
    how: `${sheet.rows.length} rows, one per grading unit in exam order (each row's text holds its unit's)`,
  };
}
