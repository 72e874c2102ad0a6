import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decompress } from 'fzstd';
import { describe, expect, it } from 'vitest';
import { asciiJson, makeDocument, rng, vocabulary } from '../bench/gen-corpus.js';
import { forEachNgramHash, tokenHashes } from '../src/contamination/scan/hash.js';
import {
  HITS,
  hitCount,
  lineTokens,
  lineWindows,
  scanBytes,
  textWindows,
  useTable,
} from '../src/contamination/scan/hotloop.js';
import { FIELD_FOUND, locateJsonField, valueEnd, valueStart } from '../src/contamination/scan/json-field.js';
import { mergeScans } from '../src/contamination/scan/result.js';
import { type ScanSource, scanCorpus } from '../src/contamination/scan/scan.js';
import { buildNgramTable } from '../src/contamination/scan/table.js';
import { packTexts, sharedText } from '../src/contamination/scan/texts.js';
import { Verifier } from '../src/contamination/scan/verify.js';
import { janitorTokens } from '../src/contamination/text/normalize.js';
import { tempDir } from './helpers/cli.js';
import { LONE_SURROGATES, TRICKY_PIECES } from './helpers/tricky-text.js';

// Our own items (never benchmark text): ASCII, German with umlauts, emoji and accents, and a short one.
const ITEMS = [
  {
    id: 'farm',
    text: 'A farmer plants seven rows of tomatoes and each row holds twelve plants, while rabbits eat three plants every night. How many plants remain after one full week?',
  },
  {
    id: 'poly',
    text: 'Let f(x) = x^2 + 4x - 9. Find every real value of x for which f(x) is exactly zero, and give the sum of those values as a "common" fraction.',
  },
  {
    id: 'bakery',
    text: 'Der Bäcker verkauft jeden Morgen dreißig Brötchen und zwölf Brezeln an die Kunden im kleinen Laden an der Ecke der Hauptstraße – wie viele sind es pro Woche?',
  },
  { id: 'short', text: 'What is two plus two?' },
  {
    id: 'emoji',
    text: 'Count the 😀 faces: the café on the corner serves naïve customers who order crème brûlée with a façade of confidence every single Tuesday morning.',
  },
];
const SOURCES: ScanSource[] = [{ label: 'mine', hash: 'sha256:test', items: ITEMS }];
const N = 13;

/** The slow reference: whole-file TextDecoder, JSON.parse per line, janitor tokens, a Set of joined n-grams. */
function referencePairs(files: { path: string; name: string }[], items = ITEMS, field = 'text'): Set<string> {
  const grams = new Map<string, Set<string>>();
  for (const it of items) {
    const t = janitorTokens(it.text);
    for (let k = 0; k + N <= t.length; k++) {
      const g = t.slice(k, k + N).join(' ');
      if (!grams.has(g)) grams.set(g, new Set());
      grams.get(g)!.add(it.id);
    }
  }
  const pairs = new Set<string>();
  for (const f of files) {
    let buf: Uint8Array = readFileSync(f.path);
    if (f.path.endsWith('.gz')) buf = gunzipSync(buf);
    if (f.path.endsWith('.zst')) buf = decompress(buf);
    const lines = new TextDecoder().decode(buf).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    lines.forEach((line, i) => {
      let doc: string;
      if (/\.txt(\.|$)/.test(f.path)) doc = line;
      else {
        if (line.trim() === '') return;
        let obj: unknown;
        try {
          obj = JSON.parse(line);
        } catch {
          return;
        }
        const v =
          obj && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Record<string, unknown>)[field] : undefined;
        if (typeof v !== 'string') return;
        doc = v;
      }
      const t = janitorTokens(doc);
      for (let k = 0; k + N <= t.length; k++) {
        for (const id of grams.get(t.slice(k, k + N).join(' ')) ?? []) pairs.add(`${id}|${f.name}:${i + 1}`);
      }
    });
  }
  return pairs;
}

async function fastPairs(corpus: string[], opts: { workers?: number; field?: string } = {}) {
  const pairs = new Set<string>();
  const out = await scanCorpus({
    sources: SOURCES,
    corpus,
    workers: 0,
    chunkBytes: 4096,
    ...opts,
    onMatch: (_s, id, doc) => pairs.add(`${id}|${doc}`),
  });
  return { pairs, out };
}

const words = (t: string) => t.split(' ');
const VARIANTS: Record<string, { make: (t: string) => string; match: boolean }> = {
  verbatim: { make: (t) => t, match: true },
  recased: { make: (t) => t.replace(/[a-z]/g, (c) => c.toUpperCase()), match: true },
  repunctuated: {
    make: (t) =>
      words(t)
        .map((w, i) => (i % 3 === 0 ? `"${w}",` : i % 5 === 0 ? `${w} -- ` : `(${w})`))
        .join(' '),
    match: true,
  },
  lineWrap: {
    make: (t) => {
      const w = words(t);
      return [...w.slice(0, 7), '\n', ...w.slice(7)].join(' ').replace(' \n ', '\n');
    },
    match: true,
  },
  unicodeSpaces: {
    make: (t) => t.replace(/ /g, (_, i: number) => ['\u00a0', '\u2009', '\u3000', '\u2028'][i % 4]),
    match: true,
  },
  nearMiss: {
    make: (t) =>
      words(t)
        .map((w, i) => (i % 12 === 11 ? 'zzqx' : w))
        .join(' '),
    match: false,
  },
  twelveWords: { make: (t) => words(t).slice(0, 12).join(' '), match: false },
  zeroWidthJoin: { make: (t) => t.replace(/ /g, '\u200b'), match: false },
};

/** A corpus with planted copies; returns the files and the expected (item, document) pairs. */
function plantedCorpus(dir: string) {
  const r = rng(42);
  const vocab = vocabulary();
  const filler = () => makeDocument(r, vocab, 100 + Math.floor(r() * 600));
  const lines: (string | Buffer)[] = [];
  const expected = new Set<string>();
  const notExpected = new Set<string>();
  const add = (line: string | Buffer, id?: string, match?: boolean) => {
    lines.push(line);
    const doc = `planted.jsonl:${lines.length}`;
    if (id) (match ? expected : notExpected).add(`${id}|${doc}`);
  };
  for (const it of ITEMS) {
    for (const v of Object.values(VARIANTS)) {
      const planted = v.make(it.text);
      const match = v.match && it.id !== 'short';
      add(JSON.stringify({ text: `${filler()} ${planted} ${filler()}`, id: lines.length }), it.id, match);
      add(asciiJson({ meta: { source: 'x' }, text: `${planted} ${filler()}` }), it.id, match); // very start
      add(JSON.stringify({ text: `${filler()} ${planted}` }), it.id, match); // very end
      add(JSON.stringify({ text: planted }), it.id, match); // the whole document
    }
  }
  const farm = ITEMS[0].text;
  // JSON shapes: nested decoys, duplicate keys (the last wins), escapes the hot loop decodes itself.
  add(JSON.stringify({ meta: { text: farm }, text: filler() }), 'farm', false);
  add(`{"text": ${JSON.stringify(farm)}, "text": ${JSON.stringify(filler())}}`, 'farm', false);
  add(`{"text": ${JSON.stringify(filler())}, "text": ${JSON.stringify(farm)}}`, 'farm', true);
  add(
    `{"text": ${JSON.stringify(farm).replace(/a/g, '\\u0061').replace(/T/g, '\\u0054').replace(/ /g, '\\t')}}`,
    'farm',
    true,
  );
  add(
    `{"text": ${JSON.stringify(farm).replace(/ /g, '\\/ ')}, "n": [1, -2.5e3, true, null, {"a": "b\\"c"}]}`,
    'farm',
    true,
  );
  add(`{ "te\\u0078t" : ${JSON.stringify(farm)} }`, 'farm', true); // an escaped key still names the field
  add(`{"text": ${JSON.stringify(farm)}, "broken": }`, 'farm', false); // invalid JSON: a bad line
  add(`{"text": "${farm}\tx"}`, 'farm', false); // a raw tab inside a string is invalid JSON
  add(`{"text": ${JSON.stringify(farm)}}\r`, 'farm', true); // CRLF
  add('');
  add('   ');
  add(JSON.stringify({ text: 5, other: farm }), 'farm', false);
  add(JSON.stringify([farm]), 'farm', false);
  // Invalid UTF-8 inside the text: TextDecoder's U+FFFD, which is part of a token like any other character.
  add(
    Buffer.concat([
      Buffer.from(`{"text": "\xff `.replace('\xff', ''), 'utf8'),
      Buffer.from([0xff]),
      Buffer.from(` ${farm}"}`),
    ]),
    'farm',
    true,
  );
  add(
    Buffer.concat([
      Buffer.from('{"text": "'),
      Buffer.from(farm.replace(' plants ', ' pl'), 'utf8'),
      Buffer.from([0xc3]),
      Buffer.from(`ants ${farm}"}`),
    ]),
    'farm',
    true,
  );
  const path = join(dir, 'planted.jsonl');
  const bufs = lines.map((l) => (typeof l === 'string' ? Buffer.from(l, 'utf8') : l));
  writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), ...bufs.flatMap((b) => [b, Buffer.from('\n')])]));
  return { path, expected, notExpected, lines: lines.length };
}

describe('hot loop vs reference janitor', () => {
  it('finds every planted copy, no near-miss, and exactly the pairs of the reference rule', async () => {
    const dir = tempDir();
    const c = plantedCorpus(dir);
    const ref = referencePairs([{ path: c.path, name: 'planted.jsonl' }]);
    const { pairs, out } = await fastPairs([c.path]);
    expect([...pairs].sort()).toEqual([...ref].sort());
    for (const e of c.expected) expect(pairs, e).toContain(e);
    for (const e of c.notExpected) expect(pairs, e).not.toContain(e);
    expect(out.corpus.lines).toBe(c.lines);
    expect(out.corpus.badLines).toBe(2);
    expect(out.benchmarks.mine.tooShort).toBe(1);
    // Every matched n-gram is reported with its own text: the item's reference tokens at that position.
    for (const m of out.benchmarks.mine.contaminated) {
      const toks = janitorTokens(ITEMS[m.index].text);
      expect(m.ngrams.length).toBeGreaterThan(0);
      for (const g of m.ngrams) expect(g.text).toBe(toks.slice(g.at, g.at + N).join(' '));
    }
    // An unsharded result is already in merged form.
    expect(mergeScans([{ file: 'all', out }])).toEqual(out);
    // Worker-count independence within the library (in-thread, 1 chunk vs many).
    const again = await scanCorpus({ sources: SOURCES, corpus: [c.path], workers: 0 });
    expect(again).toEqual(out);
  });

  it('agrees with the reference on plain text, gzip and multi-frame zstd shards', async () => {
    const dir = tempDir();
    const r = rng(5);
    const vocab = vocabulary();
    const docs: string[] = [];
    for (let i = 0; i < 300; i++) {
      let t = makeDocument(r, vocab, 50 + Math.floor(r() * 400)).replace(/\n/g, ' ');
      if (i % 7 === 0) t = `${t} ${ITEMS[i % ITEMS.length].text.replace(/\n/g, ' ')} ${t.slice(0, 40)}`;
      docs.push(t);
    }
    const txt = join(dir, 'a.txt');
    writeFileSync(txt, `${docs.join('\r\n')}\r\n`);
    const jsonl = docs.map((d) => JSON.stringify({ text: d })).join('\n');
    writeFileSync(join(dir, 'b.jsonl.gz'), gzipSync(jsonl));
    // Two zstd frames back to back (`zstd -c x >> f`), made with the zstd CLI when present, else from a fixture.
    const zst = join(dir, 'c.jsonl.zst');
    const fixture = join(import.meta.dirname, 'fixtures/scan/two-frames.jsonl.zst');
    writeFileSync(zst, readFileSync(fixture));
    const files = ['a.txt', 'b.jsonl.gz', 'c.jsonl.zst'].map((name) => ({ name, path: join(dir, name) }));
    const ref = referencePairs(files);
    expect(ref.size).toBeGreaterThan(40);
    const { pairs, out } = await fastPairs([join(dir, '*.{txt,gz,zst}')]);
    expect([...pairs].sort()).toEqual([...ref].sort());
    expect(out.corpus.files.map((f) => f.name)).toEqual(['a.txt', 'b.jsonl.gz', 'c.jsonl.zst']);
  });

  /** The hot loop saw the reference's token count and lists the planted window among its table hits. */
  function expectHitAt(tokens: number, at: number) {
    expect(lineTokens).toBe(tokens);
    const windows = Array.from({ length: hitCount }, (_, k) => HITS[2 * k]);
    expect(windows).toContain(at);
  }

  it('never misses an n-gram on random text full of tricky characters (fuzz, seeded)', () => {
    const r = rng(99);
    const pieces = [...TRICKY_PIECES, ...LONE_SURROGATES];
    let misses = 0;
    for (let round = 0; round < 300; round++) {
      let text = '';
      const len = 20 + Math.floor(r() * 200);
      for (let i = 0; i < len; i++) text += pieces[Math.floor(r() * pieces.length)] + (r() < 0.5 ? ' ' : '');
      const toks = janitorTokens(text);
      if (toks.length < N) continue;
      const at = Math.floor(r() * (toks.length - N + 1));
      const table = buildNgramTable([toks.slice(at, at + N)], N);
      useTable(table);
      // As a JSON line, escaped two ways, and as plain text (when it is valid UTF-8 text).
      for (const line of [JSON.stringify({ text }), asciiJson({ text })]) {
        const buf = Buffer.from(line, 'utf8');
        const st = locateJsonField(buf, 0, buf.length, Buffer.from('text'));
        expect(st).toBe(FIELD_FOUND);
        const verdict = scanBytes(buf, valueStart, valueEnd, true);
        if (verdict === 0) misses++;
        else if (verdict === 1) expectHitAt(toks.length, at);
      }
      if (!/[\n\ud800-\udfff]/.test(text)) {
        const buf = Buffer.from(text, 'utf8');
        const verdict = scanBytes(buf, 0, buf.length, false);
        if (verdict === 0) misses++;
        else if (verdict === 1) expectHitAt(toks.length, at);
      }
      // And the Verifier confirms it exactly: item 0, at its position 0.
      const v = new Verifier(table, packTexts([toks.slice(at, at + N).join(' ')]));
      expect(v.match(text)).toEqual([0]);
      expect(v.takePositions()).toEqual([0, 1, 0]);
      // Told the wrong token count, it does not trust the hot loop's window list: it matches the long way.
      expect(v.matchHits(text, toks.length + 1, new Int32Array(0), 0)).toEqual([0]);
      // A position is reported once per verifier (per worker thread): the coordinator unites the reports.
      expect(v.takePositions()).toEqual([]);
    }
    expect(misses).toBe(0);
  });

  it('writes exactly the window hashes of the reference tokens, or hands the line to the string path', () => {
    const r = rng(7);
    const pieces = TRICKY_PIECES;
    useTable(buildNgramTable([], 5));
    let compared = 0;
    let slow = 0;
    for (let round = 0; round < 400; round++) {
      let text = '';
      const len = Math.floor(r() * 120);
      for (let i = 0; i < len; i++) text += pieces[Math.floor(r() * pieces.length)] + (r() < 0.5 ? ' ' : '');
      const expected: number[] = [];
      forEachNgramHash(tokenHashes(janitorTokens(text)), 5, (_i, h1, h2) => expected.push(h1, h2));
      const lines = [JSON.stringify({ text }), asciiJson({ text })].map((l) => Buffer.from(l, 'utf8'));
      for (const buf of lines) {
        locateJsonField(buf, 0, buf.length, Buffer.from('text'));
        const got = lineWindows(buf, valueStart, valueEnd, true);
        if (!got) {
          slow++;
          continue;
        }
        expect([...got]).toEqual(expected);
        expect(lineTokens).toBe(janitorTokens(text).length);
        compared++;
      }
      if (!/[\n\r\ud800-\udfff]/.test(text)) {
        const buf = Buffer.from(text, 'utf8');
        const got = lineWindows(buf, 0, buf.length, false);
        expect(got && [...got]).toEqual(expected);
        compared++;
      }
      // A whole benchmark item, line breaks included, as the scan hashes items.
      const item = textWindows(`${text}\r\n${text}`, 5);
      const both: number[] = [];
      forEachNgramHash(tokenHashes(janitorTokens(`${text}\r\n${text}`)), 5, (_i, h1, h2) => both.push(h1, h2));
      expect(item && [...item.windows]).toEqual(both);
      expect(item?.tokens).toBe(2 * janitorTokens(text).length);
    }
    // JSON.stringify escapes every control character, so nothing here needs the string path.
    expect(compared).toBeGreaterThan(800);
    expect(slow).toBe(0);
    // A lone surrogate goes to the string path: with the quotes between them deleted, "\ud800" and "\udc00" are
    // one code point to the reference (found by this test, seed 7, when the loop hashed each half on its own).
    for (const text of ['one \ud800"\udc00 two three four five six', 'lone \udc00 low', 'lone \ud800 high']) {
      const buf = Buffer.from(JSON.stringify({ text }), 'utf8');
      locateJsonField(buf, 0, buf.length, Buffer.from('text'));
      expect(lineWindows(buf, valueStart, valueEnd, true)).toBeUndefined();
      expect(scanBytes(buf, valueStart, valueEnd, true)).toBe(2);
    }
    // An item with a lone surrogate is hashed by the reference tokeniser instead (UTF-8 cannot carry it).
    expect(textWindows('one \ud800 two', 1)).toBeUndefined();
  });

  it('rejects a hash hit whose tokens differ (a collision cannot create a match)', () => {
    const a = janitorTokens(ITEMS[0].text);
    const table = buildNgramTable([a], N);
    // Point every occurrence at a different item with different tokens at the same position.
    const other = a.map((t) => `${t}x`);
    const v = new Verifier(table, packTexts([other.join(' ')]));
    expect(v.match(ITEMS[0].text)).toEqual([]);
    expect(v.takePositions()).toEqual([]);
    const honest = new Verifier(table, packTexts([ITEMS[0].text]));
    expect(honest.match(ITEMS[0].text)).toEqual([0]);
    const windows = a.length - N + 1;
    expect(honest.takePositions()).toEqual([0, windows, ...Array.from({ length: windows }, (_, i) => i)]);
    expect(tokenHashes(['a']).length).toBe(2);
  });

  it('compares each occurrence when two different n-grams share a table slot', () => {
    const a = janitorTokens(ITEMS[0].text);
    // Both items hash as `a`, but item 1's text differs: a slot of two n-grams, as a 64-bit collision makes.
    const table = buildNgramTable([a, a], N);
    const other = a.map((t) => `${t}x`).join(' ');
    const v = new Verifier(table, packTexts([ITEMS[0].text, other]));
    expect(v.match(ITEMS[0].text)).toEqual([0]);
    expect(v.match(other)).toEqual([]);
    const swapped = new Verifier(table, packTexts([other, ITEMS[0].text]));
    expect(swapped.match(ITEMS[0].text)).toEqual([1]);
    expect(swapped.takePositions().slice(0, 2)).toEqual([1, a.length - N + 1]);
  });
});

describe('shared item texts', () => {
  it('round-trip exactly, lone surrogates and long texts included', () => {
    const texts = ['', 'plain', 'ünïcödé 数学 \ud83d\ude00', 'lone \ud800 surrogate', 'x'.repeat(20_000)];
    const packed = packTexts(texts);
    expect(texts.map((_, i) => sharedText(packed, i))).toEqual(texts);
    expect(packed.units.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
