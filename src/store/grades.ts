import { join } from 'node:path';
import { canonicalJson } from '../io/hash.js';
import { JsonlTail, JsonlWriter, readJsonl } from '../io/jsonl.js';
import { type GradeRecord, gradeRecordSchema } from './records.js';

/**
 * `runs/<id>/grades.jsonl`: append-only. A newer record by the same grader for the same response and unit
 * supersedes the older one, which stays in the file as history.
 */

export const gradesFile = (runDir: string) => join(runDir, 'grades.jsonl');

export function readGrades(runDir: string, opts: { repair?: boolean } = {}): GradeRecord[] {
  return readJsonl(gradesFile(runDir), gradeRecordSchema, opts).records;
}

export const gradeKey = (g: Pick<GradeRecord, 'responseId' | 'unitId' | 'grader'>) =>
  `${g.responseId}\u0000${g.unitId}\u0000${g.grader.id}`;

/** The current grade per (response, unit, grader): the last one in the file. */
export function latestGrades(records: GradeRecord[]): GradeRecord[] {
  const latest = new Map<string, GradeRecord>();
  for (const r of records) {
    const k = gradeKey(r);
    latest.delete(k);
    latest.set(k, r);
  }
  return [...latest.values()];
}

/**
 * True when `next` says the same as `prev` (so re-running a grader appends nothing). A `next` that carries no
 * version yet (it is stamped when written) is compared on its marks alone.
 */
export function sameGrade(
  prev: GradeRecord | undefined,
  next: GradeRecord,
  opts: { ignoreNote?: boolean } = {},
): boolean {
  if (!prev) return false;
  const strip = (g: GradeRecord) =>
    canonicalJson({
      ...g,
      at: undefined,
      ...(opts.ignoreNote ? { note: undefined } : {}),
      ...(next.version === undefined ? { version: undefined } : {}),
    });
  return strip(prev) === strip(next);
}

export interface GradeChange {
  at: string;
  grader: string;
  responseId: string;
  unitId: string;
  status: GradeRecord['status'];
  total: number;
  /** Total of the grade it superseded, if any. */
  previous?: number;
}

/** Who changed what and when: every record in file order, with the total it replaced. */
export function gradeHistory(records: GradeRecord[]): GradeChange[] {
  const last = new Map<string, GradeRecord>();
  return records.map((r) => {
    const k = gradeKey(r);
    const prev = last.get(k);
    last.set(k, r);
    return {
      at: r.at,
      grader: r.grader.id,
      responseId: r.responseId,
      unitId: r.unitId,
      status: r.status,
      total: r.total,
      ...(prev ? { previous: prev.total } : {}),
    };
  });
}

/**
 * Opens grades.jsonl for appending, after repairing a torn last line left by a killed grader. `durable` fsyncs each
 * record: a human grader's Ctrl-C must lose nothing.
 */
export function openGradeLog(runDir: string, durable = true): JsonlWriter {
  readGrades(runDir, { repair: true });
  return new JsonlWriter(gradesFile(runDir), durable);
}

/** Follows grades.jsonl as other processes append to it (a grading server beside a second grader's). */
export function tailGrades(runDir: string): JsonlTail<typeof gradeRecordSchema> {
  return new JsonlTail(gradesFile(runDir), gradeRecordSchema);
}
