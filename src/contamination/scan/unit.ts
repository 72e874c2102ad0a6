import { closeSync, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { HIT, HITS, hitCount, lineTokens, NO_HIT, SLOW, scanBytes, useTable } from './hotloop.js';
import { FIELD_BLANK, FIELD_FOUND, FIELD_MISSING, locateJsonField, valueEnd, valueStart } from './json-field.js';
import type { CorpusFile, ScanUnit, UnitResult, WorkerInit } from './types.js';
import { Verifier } from './verify.js';

const READ_SIZE = 4 << 20;
const MAX_FIRST = 5;

type LineFn = (buf: Buffer, start: number, end: number) => void;

/**
 * Line buffers kept for the next unit of this thread. A fresh 8 MB buffer per unit is external memory that V8
 * answers with a garbage collection ("external memory pressure"), in every unit of every worker.
 */
const spareBuffers: Buffer[] = [];

function takeLineBuffer(): Buffer {
  return spareBuffers.pop() ?? Buffer.allocUnsafe(READ_SIZE * 2);
}

function giveLineBuffer(buf: Buffer): void {
  if (buf.length === READ_SIZE * 2 && spareBuffers.length < 2) spareBuffers.push(buf);
}

/**
 * Splits a byte stream into lines in one reusable buffer (constant memory, except that one line must fit).
 * `\n` ends a line; a final line without it still counts. A UTF-8 BOM at the start of the file is skipped.
 */
class LineSplitter {
  len = 0;
  /** File offset (decompressed for compressed files) of buf[0]. */
  base = 0;
  skipFirst: boolean;
  stopAt: number;
  done = false;
  private atStart = true;

  /** `buf`: the buffer to fill (taken from the spares); a line longer than it replaces it. */
  constructor(
    public buf: Buffer,
    private readonly onLine: LineFn,
    start = 0,
    end = Number.POSITIVE_INFINITY,
  ) {
    this.skipFirst = start > 0;
    this.stopAt = end;
  }

  /** Makes room for at least `need` more bytes at buf[len]. */
  reserve(need: number): void {
    if (this.len + need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + need));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  push(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    this.drain(false);
  }

  /** Processes the complete lines in the buffer (all of it when `eof`). */
  drain(eof: boolean): void {
    if (this.done) return;
    const buf = this.buf;
    const view = buf.subarray(0, this.len);
    let p = 0;
    if (this.atStart && this.base === 0 && !this.skipFirst) {
      if (this.len < 3 && !eof) return;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf && this.len >= 3) p = 3;
      this.atStart = false;
    }
    if (this.skipFirst) {
      const nl = view.indexOf(10, 0);
      if (nl < 0) {
        this.base += this.len;
        this.len = 0;
        if (eof) this.done = true;
        return;
      }
      p = nl + 1;
      this.skipFirst = false;
    }
    for (;;) {
      if (this.base + p >= this.stopAt) {
        this.done = true;
        return;
      }
      const nl = view.indexOf(10, p);
      if (nl < 0) break;
      this.onLine(buf, p, nl);
      p = nl + 1;
    }
    if (eof) {
      if (p < this.len) this.onLine(buf, p, this.len);
      this.done = true;
      return;
    }
    if (p > 0) {
      buf.copyWithin(0, p, this.len);
      this.len -= p;
      this.base += p;
    }
  }
}

function emptyResult(id: number): UnitResult {
  return {
    id,
    lines: 0,
    documents: 0,
    badLines: 0,
    firstBadLines: [],
    missingField: 0,
    firstMissing: [],
    matches: [],
    positions: [],
    bytes: 0,
    newlines: 0,
  };
}

export class UnitScanner {
  private readonly verifier: Verifier;
  private readonly key: Buffer;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(private readonly init: WorkerInit) {
    useTable(init.table);
    this.verifier = new Verifier(init.table, init.texts);
    this.key = Buffer.from(init.field, 'utf8');
  }

  async run(unit: ScanUnit, progress: (bytes: number) => void): Promise<UnitResult> {
    const res = emptyResult(unit.id);
    if (unit.kind === 'count') {
      await this.count(unit, res, progress);
      return res;
    }
    const onLine = this.lineHandler(unit.format === 'jsonl', res, unit.modulo);
    this.verifier.takePositions();
    await this.read(unit, onLine, res, progress);
    res.positions = this.verifier.takePositions();
    return res;
  }

  /** Scans the lines of an in-memory buffer, as `run` scans a file (the workers' warm-up feeds it). */
  scanBuffer(buf: Uint8Array, format: CorpusFile['format']): UnitResult {
    const res = emptyResult(-1);
    const sp = new LineSplitter(takeLineBuffer(), this.lineHandler(format === 'jsonl', res));
    sp.push(buf);
    sp.drain(true);
    giveLineBuffer(sp.buf);
    res.positions = this.verifier.takePositions();
    return res;
  }

  /** The per-line work: find the field, run the hot loop, confirm its hits; counts go into `res`. */
  private lineHandler(json: boolean, res: UnitResult, mod?: ScanUnit['modulo']): LineFn {
    const key = this.key;
    const field = this.init.field;
    let index = -1;
    return (buf, s, e) => {
      index++;
      if (mod && index % mod.count !== mod.residue) return;
      const line = mod ? index : res.lines;
      res.lines++;
      let text: string | undefined;
      // SLOW until the hot loop has read the line: then HIT, with the windows to confirm in HITS.
      let verdict = SLOW;
      if (json) {
        const st = locateJsonField(buf, s, e, key);
        if (st === FIELD_BLANK) return;
        res.documents++;
        if (st === FIELD_MISSING) {
          res.missingField++;
          if (res.firstMissing.length < MAX_FIRST) res.firstMissing.push(line);
          return;
        }
        if (st === FIELD_FOUND) {
          verdict = scanBytes(buf, valueStart, valueEnd, true);
          if (verdict === NO_HIT) return;
          // A hit on a line the locator validated, in a value without escapes: the value's bytes are the text.
          if (verdict === HIT) {
            const value = buf.subarray(valueStart, valueEnd);
            if (value.indexOf(0x5c) < 0) text = this.decoder.decode(value);
          }
        }
        if (text === undefined) {
          let obj: unknown;
          try {
            obj = JSON.parse(this.decoder.decode(buf.subarray(s, e)));
          } catch (err) {
            res.badLines++;
            if (res.firstBadLines.length < MAX_FIRST) res.firstBadLines.push({ line, error: (err as Error).message });
            return;
          }
          const v = obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[field] : undefined;
          if (typeof v !== 'string' || Array.isArray(obj)) {
            res.missingField++;
            if (res.firstMissing.length < MAX_FIRST) res.firstMissing.push(line);
            return;
          }
          text = v;
        }
      } else {
        if (e > s && buf[e - 1] === 13) e--;
        if (e === s) return;
        res.documents++;
        verdict = scanBytes(buf, s, e, false);
        if (verdict === NO_HIT) return;
        text = this.decoder.decode(buf.subarray(s, e));
      }
      const items =
        verdict === HIT ? this.verifier.matchHits(text, lineTokens, HITS, hitCount) : this.verifier.match(text);
      if (items.length > 0) {
        res.matches.push(line, items.length);
        for (const x of items) res.matches.push(x);
      }
    };
  }

  private async read(
    unit: ScanUnit,
    onLine: LineFn,
    res: UnitResult,
    progress: (bytes: number) => void,
  ): Promise<void> {
    let pending = 0;
    const tick = (n: number) => {
      res.bytes += n;
      pending += n;
      if (pending >= 8 << 20) {
        progress(pending);
        pending = 0;
      }
    };
    const fd = openSync(unit.path, 'r');
    let sp: LineSplitter | undefined;
    try {
      if (unit.compression === 'none') {
        sp = new LineSplitter(takeLineBuffer(), onLine, unit.start, unit.end);
        let pos = unit.start > 0 ? unit.start - 1 : 0;
        sp.base = pos;
        while (!sp.done) {
          sp.reserve(READ_SIZE);
          const n = readSync(fd, sp.buf, sp.len, READ_SIZE, pos);
          pos += n;
          sp.len += n;
          // Progress counts the unit's own range, not the tail read to finish its last line.
          tick(Math.max(0, Math.min(pos, unit.end) - Math.max(pos - n, unit.start)));
          sp.drain(n === 0);
        }
      } else if (unit.compression === 'zstd') {
        const zsp = new LineSplitter(takeLineBuffer(), onLine);
        sp = zsp;
        const dec = new Decompress((chunk) => zsp.push(chunk));
        const raw = Buffer.allocUnsafe(1 << 20);
        let pos = 0;
        for (;;) {
          const n = readSync(fd, raw, 0, raw.length, pos);
          pos += n;
          tick(n);
          if (n === 0) {
            dec.push(new Uint8Array(0), true);
            break;
          }
          // fzstd keeps references to pushed input; give it its own copy.
          dec.push(raw.slice(0, n));
        }
        zsp.drain(true);
      } else {
        const gsp = new LineSplitter(takeLineBuffer(), onLine);
        sp = gsp;
        const gunzip = createGunzip({ chunkSize: 1 << 20 });
        const feed = (async () => {
          const raw = Buffer.allocUnsafe(1 << 20);
          let pos = 0;
          for (;;) {
            const n = readSync(fd, raw, 0, raw.length, pos);
            pos += n;
            tick(n);
            if (n === 0) break;
            if (!gunzip.write(Buffer.from(raw.subarray(0, n)))) {
              await new Promise((r) => gunzip.once('drain', r));
            }
          }
          gunzip.end();
        })();
        for await (const chunk of gunzip) gsp.push(chunk as Buffer);
        await feed;
        gsp.drain(true);
      }
    } finally {
      closeSync(fd);
      if (sp) giveLineBuffer(sp.buf);
    }
    if (pending > 0) progress(pending);
  }

  /** Counts newlines in [start, end) of an uncompressed file: the line number a shard's byte range starts at. */
  private async count(unit: ScanUnit, res: UnitResult, progress: (bytes: number) => void): Promise<void> {
    const fd = openSync(unit.path, 'r');
    const buf = Buffer.allocUnsafe(READ_SIZE);
    let pos = unit.start;
    try {
      while (pos < unit.end) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, unit.end - pos), pos);
        if (n === 0) break;
        const view = buf.subarray(0, n);
        let p = view.indexOf(10);
        while (p >= 0) {
          res.newlines++;
          p = view.indexOf(10, p + 1);
        }
        pos += n;
        progress(n);
      }
    } finally {
      closeSync(fd);
    }
  }
}
