import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HeldoutError } from '../src/errors.js';
import { JsonlTail, JsonlWriter, readJsonl } from '../src/io/jsonl.js';
import { tempDir } from './helpers/cli.js';

const rec = z.object({ n: z.number() });
const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as HeldoutError).format();
  }
  throw new Error('did not throw');
};

describe('JSONL store', () => {
  it('appends records and reads them back', () => {
    const f = join(tempDir(), 'r.jsonl');
    const w = new JsonlWriter(f);
    for (let n = 0; n < 5; n++) w.append({ n });
    w.close();
    expect(readJsonl(f, rec).records.map((r) => r.n)).toEqual([0, 1, 2, 3, 4]);
  });

  it('detects and repairs a torn last line without losing the others', () => {
    const f = join(tempDir(), 'r.jsonl');
    writeFileSync(f, '{"n":1}\n{"n":2}\n{"n":');
    const read = readJsonl(f, rec);
    expect(read.torn).toEqual({ line: 3, bytes: 5 });
    expect(read.records).toHaveLength(2);
    readJsonl(f, rec, { repair: true });
    expect(readFileSync(f, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    appendFileSync(f, '{"n":3}\n');
    expect(readJsonl(f, rec).records.map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it('refuses a corrupt line in the middle, naming its line', () => {
    const f = join(tempDir(), 'r.jsonl');
    writeFileSync(f, '{"n":1}\nnot json\n{"n":2}\n');
    expect(failure(() => readJsonl(f, rec))).toMatch(/r\.jsonl:2: corrupt record/);
  });

  it('rejects a record that breaks the schema', () => {
    const f = join(tempDir(), 'r.jsonl');
    writeFileSync(f, '{"n":"x"}\n');
    expect(failure(() => readJsonl(f, rec))).toMatch(/r\.jsonl:1: invalid record: field n/);
  });
});

describe('JsonlTail: following a file another process appends to', () => {
  const schema = z.object({ n: z.number() });

  it('reads only what was appended since the last read, and a line only once it is complete', () => {
    const file = join(tempDir(), 'log.jsonl');
    writeFileSync(file, '{"n":1}\n');
    const tail = new JsonlTail(file, schema);
    expect(tail.read()).toEqual([{ n: 1 }]);
    expect(tail.read()).toEqual([]);
    appendFileSync(file, '{"n":2}\n{"n":');
    expect(tail.read()).toEqual([{ n: 2 }]);
    const at = tail.position;
    appendFileSync(file, '3}\n');
    expect(tail.read()).toEqual([{ n: 3 }]);
    expect(tail.position).toBeGreaterThan(at);
    tail.close();
  });

  it('names the file and line of a record that breaks the schema', () => {
    const file = join(tempDir(), 'log.jsonl');
    writeFileSync(file, '{"n":1}\n\n{"n":"two"}\n');
    const tail = new JsonlTail(file, schema);
    try {
      tail.read();
      expect.unreachable();
    } catch (err) {
      expect((err as HeldoutError).message).toMatch(/invalid record: field n/);
      expect((err as HeldoutError).where).toMatch(/log\.jsonl:3$/);
    } finally {
      tail.close();
    }
  });
});
