import type { JsonlWriter } from '../io/jsonl.js';
import { gradeKey, latestGrades, openGradeLog, readGrades, sameGrade } from '../store/grades.js';
import { type GradeRecord, gradeRecordSchema } from '../store/records.js';
import { acquireRunLock, type RunLock } from '../store/run-lock.js';
import { GradeBinder } from './run-binding.js';
import { stampGrade } from './versions.js';

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
      this.writer = openGradeLog(runDir, durable);
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
