import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
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
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new HeldoutError(`invalid record: field ${issue.path.join('.') || '(record)'} ${issue.message}`, {
          where: `${displayPath(file)}:${line}`,
        });
      }
      records.push(parsed.data);
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
