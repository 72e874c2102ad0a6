import { gradeKey, tailGrades } from '../../store/grades.js';
import type { GradeRecord } from '../../store/records.js';
import { GradeWriter } from '../grade-writer.js';

/**
 * The run's grades.jsonl as a live log for a long-running grading server. It appends through the same durable
 * writer as the terminal grader (one write per line, fsynced), and it reads what other processes append (a second
 * grader's server) by tailing the file from the last offset it read, so a request never re-parses the whole file.
 * Only complete lines are read: a line another process is still writing is picked up on the next refresh.
 */
export class GradeLog {
  private readonly writer: GradeWriter;
  private readonly tail: ReturnType<typeof tailGrades>;
  private readonly latestByKey = new Map<string, GradeRecord>();
  /** The same records by unit (`responseId \0 unitId`), then grader id: a screen needs one unit's grades. */
  private readonly byUnit = new Map<string, Map<string, GradeRecord>>();

  constructor(runDir: string) {
    // The writer repairs a torn last line left by a killed process, and creates the file.
    this.writer = new GradeWriter(runDir, true, 'grade serve', { shared: true });
    this.tail = tailGrades(runDir);
    this.refresh();
  }

  /** Bytes read so far: it changes exactly when the file has grown since the last refresh. */
  get version(): number {
    return this.tail.position;
  }

  /** Reads whatever was appended since the last call (by this process or another). */
  refresh(): void {
    for (const record of this.tail.read()) {
      const key = gradeKey(record);
      this.latestByKey.delete(key);
      this.latestByKey.set(key, record);
      const unit = `${record.responseId}\u0000${record.unitId}`;
      let graders = this.byUnit.get(unit);
      if (!graders) {
        graders = new Map();
        this.byUnit.set(unit, graders);
      }
      graders.delete(record.grader.id);
      graders.set(record.grader.id, record);
    }
  }

  /** The record as it will be written: bound to the run and the answer, as every grader's records are. */
  bind(record: GradeRecord): GradeRecord {
    return this.writer.bind(record);
  }

  /** Appends and fsyncs one record, then reads it back in file order (with anything others appended before it). */
  append(record: GradeRecord): void {
    this.writer.append(record);
    this.refresh();
  }

  /** The current grade per (response, unit, grader). */
  latest(): Iterable<GradeRecord> {
    return this.latestByKey.values();
  }

  /** The current grades of one unit of one response, one per grader, in file order. */
  forUnit(unitKey: string): Iterable<GradeRecord> {
    return this.byUnit.get(unitKey)?.values() ?? [];
  }

  latestFor(responseId: string, unitId: string, graderId: string): GradeRecord | undefined {
    return this.latestByKey.get(`${responseId}\u0000${unitId}\u0000${graderId}`);
  }

  close(): void {
    this.writer.close();
    this.tail.close();
  }
}
