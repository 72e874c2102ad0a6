import { HeldoutError } from '../errors.js';
import type { Unit } from '../exam/model.js';
import type { ContentVersions } from '../exam/versions.js';
import type { ReplayRow, ReplaySheet } from '../models/replay.js';
import { openGradeLog, readGrades } from '../store/grades.js';
import { type GradeRecord, gradeRecordSchema, responseId } from '../store/records.js';
import { gradeVersion } from './versions.js';

export interface ImportPointsOptions {
  runDir: string;
  sheet: ReplaySheet;
  byQuestion: Map<string, ReplayRow[]>;
  /** The run's prompts in order: which units each question's answer is graded on. */
  prompts: ReadonlyArray<{ questionId: string; unitIds: readonly string[] }>;
  units: Unit[];
  model: string;
  column: string;
  grader: string;
  samples: number;
  warn: (message: string) => void;
  /** The content versions the grades are made under. */
  versions?: ContentVersions;
}

/**
 * `--points-column`: the sheet's points become grades by a named human grader in `grades.jsonl`.
 * A question-level value on a question with several units cannot be split truthfully; we fill the units in order
 * up to each unit's maximum (so the question total is exact) and say so in each record's note.
 * Grades already in the file from this grader are not written again (a resumed run imports nothing twice).
 */
export function importReplayPoints(o: ImportPointsOptions): number {
  if (!o.sheet.columns.includes(o.column)) {
    throw new HeldoutError(`no column "${o.column}"`, {
      where: o.sheet.file,
      hint: `--points-column must be one of: ${o.sheet.columns.map((c) => JSON.stringify(c)).join(', ')}`,
    });
  }
  const have = new Set(
    readGrades(o.runDir, { repair: true })
      .filter((g) => g.grader.kind === 'human' && g.grader.id === o.grader)
      .map((g) => `${g.responseId}\u0000${g.unitId}`),
  );
  const unitById = new Map(o.units.map((u) => [u.id, u]));
  const writer = openGradeLog(o.runDir, false);
  let written = 0;
  const at = new Date().toISOString();
  try {
    for (const p of o.prompts) {
      const rows = o.byQuestion.get(p.questionId) ?? [];
      rows.slice(0, o.samples).forEach((row, sample) => {
        const raw = row.values[o.column];
        const text = raw === undefined || raw === null ? '' : String(raw).trim();
        if (text === '') return;
        const points = Number(text.replace(',', '.'));
        const units = p.unitIds.map((id) => unitById.get(id)!).filter(Boolean);
        const max = units.reduce((s, u) => s + u.points, 0);
        if (!Number.isFinite(points) || points < 0) {
          o.warn(
            `${o.sheet.file}:${row.line}: "${o.column}" is not a number of points (${JSON.stringify(text)}); not imported`,
          );
          return;
        }
        if (points > max) {
          o.warn(
            `${o.sheet.file}:${row.line}: ${points} points exceeds question ${p.questionId}'s maximum of ${max}; not imported`,
          );
          return;
        }
        const rid = responseId(o.model, p.questionId, sample);
        let left = points;
        for (const u of units) {
          const share = Math.min(left, u.points);
          left -= share;
          if (have.has(`${rid}\u0000${u.id}`)) continue;
          const note =
            units.length > 1
              ? `imported from ${o.sheet.file}:${row.line} (${o.column}): ${points}/${max} for the whole question, spread over its ${units.length} parts in order; the per-part split is not known`
              : `imported from ${o.sheet.file}:${row.line} (${o.column})`;
          const grade: GradeRecord = {
            responseId: rid,
            unitId: u.id,
            grader: { kind: 'human', id: o.grader },
            status: 'graded',
            items: {},
            total: share,
            maxPoints: u.points,
            note,
            at,
          };
          const version = o.versions && gradeVersion(o.versions, u.id);
          if (version) grade.version = version;
          writer.append(gradeRecordSchema.parse(grade));
          written++;
        }
      });
    }
  } finally {
    writer.close();
  }
  return written;
}
