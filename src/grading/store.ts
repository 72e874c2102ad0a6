import { join } from 'node:path';
import { canonicalJson } from '../io/hash.js';
import { JsonlWriter, readJsonl } from '../io/jsonl.js';
import { type GradeRecord, gradeRecordSchema } from '../store/records.js';
import { acquireRunLock, type RunLock } from '../store/run-lock.js';
import { GradeBinder } from './run-binding.js';
import { stampGrade } from './versions.js';

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

/** Appends grades, fsyncing each one: a human grader's Ctrl-C must lose nothing. */
export class GradeWriter {
  private writer: JsonlWriter;
  private lock: RunLock;
  private binder: GradeBinder;
  private runDir: string;
  /**
   * Holds the run's lock (run-lock.ts) until `close`: one writer per run directory. A grading server passes
   * `shared`: its graders append whole lines (one write each on an O_APPEND descriptor), and two graders' servers
   * must be able to save into one run at once, so it does not hold the run for its lifetime.
   */
  constructor(runDir: string, durable = true, command = 'grade', opts: { shared?: boolean } = {}) {
    this.runDir = runDir;
    this.lock = opts.shared ? { file: '', release: () => {} } : acquireRunLock(runDir, command);
    this.binder = new GradeBinder(runDir);
    try {
      // Repair a torn last line from a killed grader before appending after it.
      readGrades(runDir, { repair: true });
      this.writer = new JsonlWriter(gradesFile(runDir), durable);
    } catch (err) {
      this.lock.release();
      throw err;
    }
  }
  /** The record as it will be written: bound to this run and the answer (run-binding.ts), stamped with the unit's
   * content versions (versions.ts). */
  bind(g: GradeRecord): GradeRecord {
    return stampGrade(this.runDir, this.binder.bind(g));
  }
  append(g: GradeRecord): void {
    this.writer.append(gradeRecordSchema.parse(this.bind(g)));
  }
  close(): void {
    try {
      this.writer.close();
    } finally {
      this.lock.release();
    }
  }
}

/** Appends the grades that differ from the grader's current ones; returns how many were written. */
export function appendGrades(runDir: string, grades: GradeRecord[], opts: { ignoreNote?: boolean } = {}): number {
  if (!grades.length) return 0;
  const writer = new GradeWriter(runDir, false);
  let written = 0;
  try {
    const current = new Map(latestGrades(readGrades(runDir)).map((g) => [gradeKey(g), g]));
    for (const raw of grades) {
      const g = writer.bind(raw);
      if (sameGrade(current.get(gradeKey(g)), g, opts)) continue;
      writer.append(g);
      written++;
    }
  } finally {
    writer.close();
  }
  return written;
}
