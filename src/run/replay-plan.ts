import { resolve } from 'node:path';
import { examUnits } from '../exam/model.js';
import type { Exam } from '../exam/schema.js';
import type { ContentVersions } from '../exam/versions.js';
import { importReplayPoints } from '../grading/replay-grades.js';
import type { ModelCaller } from '../models/index.js';
import { loadReplaySheet, matchReplay, type ReplayRow, type ReplaySheet } from '../models/replay.js';
import type { RunParams } from '../store/run.js';
import type { RunEvent } from './events.js';
import { buildPromptItems, type PromptItem } from './prompt.js';
import { detectUnitSheet, mapRowsByUnitColumn, type UnitMapping } from './replay-units.js';

/** Replay models' sheets, read and mapped onto the exam before anything is written. */
export interface ReplaySheets {
  sheets: Map<string, ReplaySheet>;
  unitMappings: Map<string, UnitMapping>;
}

/**
 * Reads each replay model's sheet. A sheet with one row per grading unit maps to units, and the run then asks per
 * unit (as --split-subparts): this sets `params.splitSubparts`, so it runs before the prompts are built.
 */
export function readReplaySheets(o: {
  callers: ModelCaller[];
  exam: Exam;
  params: RunParams;
  cwd: string;
  emit: (e: RunEvent) => void;
}): ReplaySheets {
  const { callers, exam, params, cwd, emit } = o;
  // Replay sheets with one row per grading unit map to units, and the run then asks per unit (as --split-subparts).
  const sheets = new Map<string, ReplaySheet>();
  const unitMappings = new Map<string, UnitMapping>();
  for (const caller of callers.filter((c) => c.resolved.api === 'replay')) {
    const sheet = loadReplaySheet(resolve(cwd, caller.model));
    sheets.set(caller.spec, sheet);
    const units = examUnits(exam);
    const mapping = params.unitColumn
      ? mapRowsByUnitColumn(sheet, units, params.unitColumn)
      : detectUnitSheet(
          sheet,
          units,
          buildPromptItems(exam, { mode: 'chat', splitSubparts: false, shots: 0 }).map((p) => ({
            questionId: p.questionId,
            aliases: p.unitIds.length === 1 ? p.unitIds : [],
            pieces: p.pieces,
          })),
          params.samples,
        );
    if (!mapping) continue;
    unitMappings.set(caller.spec, mapping);
    if (!params.splitSubparts) {
      params.splitSubparts = true;
      emit({
        type: 'warning',
        message: `${sheet.file}: ${mapping.how}; the run records one answer per unit (--split-subparts)`,
      });
    }
  }
  return { sheets, unitMappings };
}

export interface ReplayAnswers {
  /** Per replay model: the sheet's rows per question id. */
  answers: Map<string, Map<string, ReplayRow[]>>;
  /** `--points-column` imports, run once the run directory is locked. */
  importPoints: (() => void)[];
}

/**
 * Matches each sheet to the exam's prompts once (before anything is written, so a bad sheet leaves no run directory
 * behind), reports rows that fit nowhere, and prepares the points import.
 */
export function matchReplayAnswers(o: {
  callers: ModelCaller[];
  read: ReplaySheets;
  exam: Exam;
  prompts: PromptItem[];
  params: RunParams;
  runDir: string;
  versions: ContentVersions;
  emit: (e: RunEvent) => void;
}): ReplayAnswers {
  const { callers, exam, prompts, params, runDir, versions, emit } = o;
  const { sheets, unitMappings } = o.read;
  const replayAnswers = new Map<string, Map<string, ReplayRow[]>>();
  const importPoints: (() => void)[] = [];
  for (const caller of callers.filter((c) => c.resolved.api === 'replay')) {
    const sheet = sheets.get(caller.spec)!;
    const units = examUnits(exam);
    const byUnit = unitMappings.get(caller.spec)?.byUnit;
    const match = byUnit
      ? { byQuestion: byUnit, unmatched: [] }
      : matchReplay(
          sheet,
          prompts.map((p) => ({
            questionId: p.questionId,
            // A one-unit question's unit id (e.g. "1a" for a flat import) names the question too.
            aliases: p.unitIds.length === 1 ? p.unitIds : [],
            pieces: p.pieces,
          })),
        );
    replayAnswers.set(caller.spec, match.byQuestion);
    for (const { row, reason } of match.unmatched) {
      emit({ type: 'warning', message: `${sheet.file}:${row.line}: row not used: ${reason}` });
    }
    for (const [qid, rows] of match.byQuestion) {
      if (rows.length > params.samples) {
        emit({
          type: 'warning',
          message: `${sheet.file}: ${rows.length} answers to question ${qid} (lines ${rows.map((r) => r.line).join(', ')}); using the first ${params.samples} (--samples ${params.samples})`,
        });
      }
    }
    const missing = prompts.filter((p) => !match.byQuestion.has(p.questionId)).map((p) => p.questionId);
    if (missing.length) {
      emit({
        type: 'warning',
        message: `${sheet.file}: no answer to question(s) ${missing.join(', ')}: recorded as empty answers (they score 0)`,
      });
    }
    if (params.pointsColumn && params.grader) {
      const { pointsColumn, grader } = params;
      importPoints.push(() =>
        importReplayPoints({
          runDir,
          sheet,
          byQuestion: match.byQuestion,
          prompts,
          units,
          model: caller.spec,
          column: pointsColumn,
          grader,
          samples: params.samples,
          versions,
          warn: (message) => emit({ type: 'warning', message }),
        }),
      );
    }
  }
  return { answers: replayAnswers, importPoints };
}
