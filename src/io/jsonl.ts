import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import type { z } from 'zod';
import { HeldoutError } from '../errors.js';
import { displayPath } from './files.js';

export interface TornTail {
  /** 1-based line number of the torn record. */
  line: number;
  /** Bytes dropped. */
  bytes: number;
}

export interface JsonlRead<T> {
  records: T[];
  /** Set when the last line was cut off (a killed process) and has been (or would be) dropped. */
  torn?: TornTail;
}

/**
 * Reads an append-only JSONL store. A last line without its newline that does not parse is a torn write
 * from a killed process: it is reported and, with `repair`, truncated away. Any other bad line is an error,
 * because silently skipping it would lose data.
 */
export function readJsonl<S extends z.ZodType>(
  file: string,
  schema: S,
  opts: { repair?: boolean } = {},
): JsonlRead<z.output<S>> {
  if (!existsSync(file)) return { records: [] };
  const buf = readFileSync(file);
  const text = buf.toString('utf8');
  const records: z.output<S>[] = [];
  let torn: TornTail | undefined;
  let start = 0;
  let line = 0;
  while (start < text.length) {
    line++;
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const raw = text.slice(start, end).trim();
    const isLast = nl === -1 || end + 1 >= text.length;
    if (raw) {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        if (nl === -1) {
          torn = { line, bytes: Buffer.byteLength(text.slice(start)) };
          break;
        }
        throw new HeldoutError(`corrupt record: ${(err as Error).message}`, {
          where: `${displayPath(file)}:${line}`,
          hint: 'this is not a torn last line; fix or remove the line by hand',
        });
      }
      records.push(validRecord(schema, value, file, line));
    }
    if (nl === -1 || isLast) break;
    start = nl + 1;
  }
  if (opts.repair) {
    if (torn) truncateTo(file, buf.length - torn.bytes);
    else if (buf.length > 0 && buf[buf.length - 1] !== 0x0a) appendRaw(file, '\n');
  }
  return { records, torn };
}

function validRecord<S extends z.ZodType>(schema: S, value: unknown, file: string, line: number): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HeldoutError(`invalid record: field ${issue.path.join('.') || '(record)'} ${issue.message}`, {
      where: `${displayPath(file)}:${line}`,
    });
  }
  return parsed.data;
}

/**
 * Follows an append-only JSONL file that other processes append to: each `read` parses only what was appended since
 * the last one. Only complete lines are read; a line still being written is picked up by a later `read`.
 */
export class JsonlTail<S extends z.ZodType> {
  private readonly fd: number;
  private offset = 0;
  private line = 0;
  private carry = '';
  constructor(
    readonly file: string,
    private readonly schema: S,
  ) {
    this.fd = openSync(file, 'r');
  }

  /** Bytes consumed so far: it changes exactly when the file has grown since the last read. */
  get position(): number {
    return this.offset;
  }

  read(): z.output<S>[] {
    const size = fstatSync(this.fd).size;
    if (size <= this.offset) return [];
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
    const out: z.output<S>[] = [];
    if (lastNl === -1) return out;
    for (const raw of text.slice(0, lastNl).split('\n')) {
      this.line++;
      if (!raw.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        throw new HeldoutError(`corrupt record: ${(err as Error).message}`, {
          where: `${displayPath(this.file)}:${this.line}`,
        });
      }
      out.push(validRecord(this.schema, value, this.file, this.line));
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function truncateTo(file: string, size: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, size);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function appendRaw(file: string, text: string): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Adds the file to a system error that lacks it (write and fsync errors carry no path). */
export function withPath(err: unknown, file: string): unknown {
  if (err && typeof err === 'object' && 'code' in err && !('path' in err)) Object.assign(err, { path: file });
  return err;
}

/**
 * An append-only writer. Each record is one `write` of one line, so a crash loses at most the record
 * being written, and that shows up as a torn last line.
 */
export class JsonlWriter {
  private fd: number;
  constructor(
    readonly file: string,
    private readonly durable = false,
  ) {
    this.fd = openSync(file, 'a');
  }

  append(record: unknown): void {
    // One write() of the whole line on an O_APPEND descriptor: concurrent writers (two graders' servers) each land
    // whole lines, never interleaved bytes. A short write (a full disk) is an error, not a silently torn record.
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    try {
      const written = writeSync(this.fd, line);
      if (written !== line.length) throw new Error(`short write to ${this.file}: ${written} of ${line.length} bytes`);
      if (this.durable) fsyncSync(this.fd);
    } catch (err) {
      // A failed write (a full disk) names no file: add it, so the user is told where.
      throw withPath(err, this.file);
    }
  }

  close(): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
