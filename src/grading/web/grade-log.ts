import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { HeldoutError } from '../../errors.js';
import { displayPath } from '../../io/files.js';
import { type GradeRecord, gradeRecordSchema } from '../../store/records.js';
import { GradeWriter, gradeKey, gradesFile } from '../store.js';

/**
 * The run's grades.jsonl as a live log for a long-running grading server. It appends through the same durable
 * writer as the terminal grader (one write per line, fsynced), and it reads what other processes append (a second
 * grader's server) by tailing the file from the last offset it read, so a request never re-parses the whole file.
 * Only complete lines are read: a line another process is still writing is picked up on the next refresh.
 */
export class GradeLog {
  private readonly file: string;
  private readonly writer: GradeWriter;
  private offset = 0;
  private lines = 0;
  private carry = '';
  private readonly latestByKey = new Map<string, GradeRecord>();
  /** The same records by unit (`responseId \0 unitId`), then grader id: a screen needs one unit's grades. */
  private readonly byUnit = new Map<string, Map<string, GradeRecord>>();
  private readonly fd: number;

  constructor(runDir: string) {
    this.file = gradesFile(runDir);
    // The writer repairs a torn last line left by a killed process, and creates the file.
    this.writer = new GradeWriter(runDir, true, 'grade serve', { shared: true });
    this.fd = openSync(this.file, 'r');
    this.refresh();
  }

  /** Bytes read so far: it changes exactly when the file has grown since the last refresh. */
  get version(): number {
    return this.offset;
  }

  /** Reads whatever was appended since the last call (by this process or another). */
  refresh(): void {
    const size = fstatSync(this.fd).size;
    if (size <= this.offset) return;
    const buf = Buffer.alloc(size - this.offset);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, this.offset + got);
      if (n === 0) break;
      got += n;
    }
    this.offset += got;
    const text = this.carry + buf.subarray(0, got).toString('utf8');
    const lastNl = text.lastIndexOf('\n');
    this.carry = lastNl === -1 ? text : text.slice(lastNl + 1);
    if (lastNl === -1) return;
    for (const raw of text.slice(0, lastNl).split('\n')) {
      this.lines++;
      if (!raw.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        throw new HeldoutError(`corrupt record: ${(err as Error).message}`, {
          where: `${displayPath(this.file)}:${this.lines}`,
        });
      }
      const parsed = gradeRecordSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new HeldoutError(`invalid record: field ${issue.path.join('.') || '(record)'} ${issue.message}`, {
          where: `${displayPath(this.file)}:${this.lines}`,
        });
      }
      const key = gradeKey(parsed.data);
      this.latestByKey.delete(key);
      this.latestByKey.set(key, parsed.data);
      const unit = `${parsed.data.responseId}\u0000${parsed.data.unitId}`;
      let graders = this.byUnit.get(unit);
      if (!graders) {
        graders = new Map();
        this.byUnit.set(unit, graders);
      }
      graders.delete(parsed.data.grader.id);
      graders.set(parsed.data.grader.id, parsed.data);
    }
  }

  /** Appends and fsyncs one record, then reads it back in file order (with anything others appended before it). */
  /** The record as it will be written: bound to the run and the answer, as every grader's records are. */
  bind(record: GradeRecord): GradeRecord {
    return this.writer.bind(record);
  }

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
    closeSync(this.fd);
  }
}
