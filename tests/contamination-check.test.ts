import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrBuildIndex } from '../src/contamination/bench/index-cache.js';
import { loadBenchmarkSource } from '../src/contamination/bench/load.js';
import {
  buildCharIndex,
  buildWordIndex,
  deserializeIndex,
  type IndexSpec,
  lookup,
  serializeIndex,
} from '../src/contamination/bench/ngram-index.js';
import type { BenchItem } from '../src/contamination/bench/source.js';
import { checkText } from '../src/contamination/check/check-text.js';
import type { TextResult } from '../src/contamination/check/result.js';
import { autoN, type CheckOptions, indexSpecs, RULE_NAMES } from '../src/contamination/check/rules.js';
import { longestSharedRun } from '../src/contamination/check/similarity.js';
import { ngramHash, ngramHashesInto, stringHash2, tokenHashHalves } from '../src/contamination/hash.js';
import { checkContamination } from '../src/contamination/run-check.js';
import { forEachNgramHash, tokenHashes } from '../src/contamination/scan/hash.js';
import { examTexts } from '../src/contamination/texts.js';
import { loadExam } from '../src/exam/load.js';
import { ROOT, tempDir } from './helpers/cli.js';

const FIX = join(ROOT, 'tests/fixtures/contamination');

async function planted(opts: CheckOptions = {}) {
  const source = await loadBenchmarkSource(join(FIX, 'toy'));
  const loaded = loadExam(join(FIX, 'exam'));
  const res = checkContamination(
    { subject: { kind: 'exam', id: loaded.exam.id, dir: loaded.dir }, items: examTexts(loaded) },
    [source],
    { cacheDir: tempDir(), ...opts },
  );
  const byId = new Map(res.items.map((r) => [r.id, r]));
  return { res, get: (id: string) => byId.get(id) as TextResult };
}

describe('rules on planted items (toy benchmark written for these tests)', () => {
  it('a verbatim copy is contaminated under every rule, with the benchmark item and the shared span', async () => {
    const { get } = await planted();
    const r = get('verbatim');
    expect(r.verdicts).toEqual({
      'gpt3-13gram': 'contaminated',
      'palm-8gram-70': 'contaminated',
      'gpt4-50char': 'contaminated',
    });
    expect(r.overlap['gpt3-13gram']?.fraction).toBe(1);
    expect(r.overlap['palm-8gram-70']?.fraction).toBe(1);
    expect(r.overlap.longestRun).toBe(r.words);
    const m = r.matches.find((x) => x.rule === 'gpt3-13gram');
    expect(m?.itemId).toBe('toy/test:1');
    expect(m?.bench).toBe('toy');
    expect(m?.spans[0].text.startsWith('a farmer keeps chickens')).toBe(true);
    expect(m?.similarity?.dice).toBe(1);
  });

  it('case and ASCII punctuation changes are invisible to the janitor rules', async () => {
    const { get } = await planted();
    const r = get('casepunct');
    expect(r.verdicts['gpt3-13gram']).toBe('contaminated');
    expect(r.verdicts['palm-8gram-70']).toBe('contaminated');
    expect(r.overlap['palm-8gram-70']?.fraction).toBe(1);
  });

  it('new numbers: clean under the n-gram rules, caught as a template match', async () => {
    const { get } = await planted();
    const r = get('newnumbers');
    expect(r.verdicts).toEqual({ 'gpt3-13gram': 'clean', 'palm-8gram-70': 'clean', 'gpt4-50char': 'clean' });
    expect(r.templateMatch).toBe(true);
    expect(r.matches.find((m) => m.rule === 'template')?.itemId).toBe('toy/test:3');
    expect(r.overlap.template?.fraction).toBeGreaterThanOrEqual(0.5);
  });

  it('a LaTeX variant (\\dfrac12 vs $\\frac{1}{2}$) is missed by the exact rules and caught with --latex', async () => {
    const exact = (await planted()).get('latex');
    expect(exact.verdicts['gpt3-13gram']).toBe('clean');
    expect(exact.verdicts['palm-8gram-70']).toBe('clean');
    expect(exact.templateMatch).toBe(true);
    const latex = (await planted({ latex: true })).get('latex');
    expect(latex.verdicts['gpt3-13gram']).toBe('contaminated');
    expect(latex.verdicts['palm-8gram-70']).toBe('contaminated');
  });

  it('a text in another language is not comparable, never clean', async () => {
    const { get } = await planted();
    const r = get('hungarian');
    expect(r.language).toBe('hu');
    expect(Object.values(r.verdicts)).toEqual(['not-comparable', 'not-comparable', 'not-comparable']);
    expect(r.reasons['gpt3-13gram']).toMatch(/hu vs en/);
  });

  it('texts shorter than n are not comparable under the word rules (and under gpt4 below 25 characters)', async () => {
    const { get } = await planted();
    const r = get('short');
    expect(r.verdicts['gpt3-13gram']).toBe('not-comparable');
    expect(r.verdicts['palm-8gram-70']).toBe('not-comparable');
    expect(r.reasons['gpt3-13gram']).toMatch(/shorter than n \(5 < 13/);
    expect(r.verdicts['gpt4-50char']).toBe('not-comparable');
    expect(r.reasons['gpt4-50char']).toMatch(/shorter than 25 characters \(20\)/);
  });

  it('gpt4-50char: a text under 25 characters is not comparable, not matched whole anywhere', async () => {
    const dir = tempDir();
    const bench = join(dir, 'gsm8k-like.jsonl');
    const question = 'A baker sells 42 apples on Monday and twice as many on Tuesday. How many apples in all?';
    writeFileSync(bench, `${JSON.stringify({ question, answer: '#### 126' })}\n`);
    const source = await loadBenchmarkSource(`b=${bench}`);
    const res = checkContamination(
      {
        subject: { kind: 'items', file: 'x', field: 'text' },
        items: [
          { id: 'tiny', text: '42 apples' },
          { id: 'long', text: 'A baker sells 42 apples on Monday' },
        ],
      },
      [source],
      { cacheDir: tempDir(), rules: ['gpt4-50char'] },
    );
    const [tiny, long] = res.items;
    expect(tiny.verdicts['gpt4-50char']).toBe('not-comparable');
    expect(tiny.reasons['gpt4-50char']).toMatch(/shorter than 25 characters \(8\)/);
    // 26 characters: still compared whole, as the GPT-4 report does for items under 50.
    expect(long.verdicts['gpt4-50char']).toBe('contaminated');
  });

  it('an original item is clean; a sub-part is checked with its stem', async () => {
    const { get, res } = await planted();
    expect(get('original').verdicts).toEqual({
      'gpt3-13gram': 'clean',
      'palm-8gram-70': 'clean',
      'gpt4-50char': 'clean',
    });
    expect(get('original').templateMatch).toBe(false);
    expect(get('stem-a').verdicts['gpt3-13gram']).toBe('contaminated');
    expect(res.contaminated).toBe(true);
    expect(res.exitCode).toBe(2);
    expect(res.summary.byRule['gpt3-13gram']).toEqual({ clean: 3, contaminated: 4, 'not-comparable': 2 });
  });

  it('--n auto uses the 5th-percentile length, clamped to [8, 13]', async () => {
    expect(autoN(['one two three'])).toBe(8);
    expect(autoN(Array.from({ length: 20 }, () => Array(30).fill('w').join(' ')))).toBe(13);
    expect(
      autoN(
        Array.from({ length: 20 }, (_, i) =>
          Array(10 + i)
            .fill('w')
            .join(' '),
        ),
      ),
    ).toBe(10);
    const { res } = await planted({ n: 'auto' });
    expect(res.n).toBe(8);
    expect(res.nMode).toBe('auto');
  });

  it('empty texts are not comparable under every rule', async () => {
    const source = await loadBenchmarkSource(join(FIX, 'toy'));
    const res = checkContamination(
      {
        subject: { kind: 'items', file: 'x', field: 'text' },
        items: [
          { id: 'empty', text: '' },
          { id: 'punct', text: '?!... ()' },
        ],
      },
      [source],
      { cacheDir: tempDir() },
    );
    for (const r of res.items) {
      expect(Object.values(r.verdicts)).toEqual(['not-comparable', 'not-comparable', 'not-comparable']);
    }
    expect(res.exitCode).toBe(0);
  });

  it('model answers are checked against benchmark solutions', async () => {
    const source = await loadBenchmarkSource(join(FIX, 'toy'));
    const solution = source.items[0].solution!;
    const res = checkContamination(
      {
        subject: { kind: 'items', file: 'x', field: 'text' },
        items: [
          {
            id: 'q',
            text: 'An original question about nothing in particular, written to be long enough to be compared.',
          },
        ],
        answers: [
          { id: 'm|q|0', text: `Let me think. ${solution}`, model: 'm', questionId: 'q' },
          { id: 'm|q|1', text: 'I count the heads first and then the legs, and solve the two equations.', model: 'm' },
        ],
      },
      [source],
      { cacheDir: tempDir() },
    );
    expect(res.items[0].verdicts['gpt3-13gram']).toBe('clean');
    expect(res.answers?.[0].verdicts['gpt3-13gram']).toBe('contaminated');
    expect(res.answers?.[0].matches[0].itemId).toBe('toy/test:1');
    expect(res.answers?.[1].verdicts['gpt3-13gram']).toBe('clean');
    expect(res.summary.answers).toMatchObject({ total: 2, contaminated: 1 });
    expect(res.exitCode).toBe(2);
  });
});

// The n-gram hash written out the slow, obvious way from its definition (scan/hash.ts), in BigInt arithmetic: each
// token's UTF-8 bytes through two FNV-1a lanes (offset bases 0x811c9dc5 and 0x9747b28c, primes 0x01000193 and
// 0x5bd1e995) and a final xorshift-multiply, then the polynomial Σ t[j]·B^(n-1-j) mod 2^32 per lane (B = 0x2545f491
// and 0x9e3779b1). Nothing here is imported from the code under test, so a changed constant fails.
const MASK32 = (1n << 32n) - 1n;
const mul32 = (a: bigint, b: bigint) => (a * b) & MASK32;

function referenceTokenHash(token: string): [bigint, bigint] {
  let a = 0x811c9dc5n;
  let b = 0x9747b28cn;
  for (const byte of new TextEncoder().encode(token)) {
    a = mul32(a ^ BigInt(byte), 0x01000193n);
    b = mul32(b ^ BigInt(byte), 0x5bd1e995n);
  }
  const finish = (h: bigint) => {
    const x = mul32(h ^ (h >> 15n), 0x2c1b3c6dn);
    return x ^ (x >> 12n);
  };
  return [finish(a), finish(b)];
}

function referenceNgramHash(tokens: string[], start: number, n: number): [number, number] {
  const bases = [0x2545f491n, 0x9e3779b1n];
  const sum = [0n, 0n];
  for (let j = 0; j < n; j++) {
    const t = referenceTokenHash(tokens[start + j]);
    for (const lane of [0, 1]) {
      let power = 1n;
      for (let k = 0; k < n - 1 - j; k++) power = mul32(power, bases[lane]);
      sum[lane] = (sum[lane] + mul32(t[lane], power)) & MASK32;
    }
  }
  return [Number(sum[0]), Number(sum[1])];
}

describe('64-bit n-gram hashing', () => {
  const words = 'the quick brown fox jumps over the lazy dog again and again today'.split(' ');

  it('equals a slow reference written from its definition, for every window and both loops', () => {
    // ASCII, 2-, 3- and 4-byte UTF-8 characters.
    const tokens = [...words, 'héllo', 'őrült', '数学', '𝑥²', '<num>'];
    const { h1, h2 } = tokenHashHalves(tokens);
    for (let i = 0; i < tokens.length; i++) {
      const [a, b] = referenceTokenHash(tokens[i]);
      expect([h1[i], h2[i]]).toEqual([Number(a), Number(b)]);
      expect(stringHash2(tokens[i])).toEqual([Number(a), Number(b)]);
    }
    for (const n of [1, 5, 8, 13]) {
      const hi = new Uint32Array(tokens.length);
      const lo = new Uint32Array(tokens.length);
      const count = ngramHashesInto(h1, h2, 0, tokens.length, n, hi, lo, 0);
      expect(count).toBe(tokens.length - n + 1);
      const scanned: [number, number][] = [];
      forEachNgramHash(tokenHashes(tokens), n, (_i, a, b) => scanned.push([a >>> 0, b >>> 0]));
      for (let i = 0; i < count; i++) {
        const expected = referenceNgramHash(tokens, i, n);
        expect([hi[i], lo[i]]).toEqual(expected);
        expect(ngramHash(h1, h2, i, n)).toEqual(expected);
        expect(scanned[i]).toEqual(expected);
      }
    }
  });

  it('keeps its recorded values (a cached index holds them)', () => {
    const { h1, h2 } = tokenHashHalves(words);
    expect(ngramHash(h1, h2, 0, 5)).toEqual([3675713901, 704778546]);
    expect(stringHash2('héllo')).toEqual([2022205227, 3779745840]);
  });

  it('has no 64-bit collisions over two million distinct n-grams (and 32-bit halves collide at the birthday rate)', () => {
    // Distinct 13-grams over a 5000-word vocabulary: the i-th n-gram is i written in base 5000, then padding.
    const N = 2_000_000;
    const vocab = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
    const { h1, h2 } = tokenHashHalves(vocab);
    const t1 = new Uint32Array(13);
    const t2 = new Uint32Array(13);
    const hi = new Uint32Array(N);
    const lo = new Uint32Array(N);
    for (let i = 0; i < N; i++) {
      let x = i;
      for (let j = 0; j < 13; j++) {
        const w = j < 2 ? x % 5000 : (j * 7919 + 3) % 5000;
        if (j < 2) x = Math.floor(x / 5000);
        t1[j] = h1[w];
        t2[j] = h2[w];
      }
      // Positions 0–1 carry i (up to 25 million distinct); the rest vary with the position only.
      t1[2] = h1[i % 4999];
      t2[2] = h2[i % 4999];
      const [a, b] = ngramHash(t1, t2, 0, 13);
      hi[i] = a;
      lo[i] = b;
    }
    const keys = new BigUint64Array(N);
    for (let i = 0; i < N; i++) keys[i] = (BigInt(hi[i]) << 32n) | BigInt(lo[i]);
    keys.sort();
    let full = 0;
    for (let i = 1; i < N; i++) if (keys[i] === keys[i - 1]) full++;
    const sortedHi = hi.slice().sort();
    let half = 0;
    for (let i = 1; i < N; i++) if (sortedHi[i] === sortedHi[i - 1]) half++;
    expect(full).toBe(0);
    // Expected 32-bit collisions ≈ N²/2³³ ≈ 466.
    expect(half).toBeGreaterThan(300);
    expect(half).toBeLessThan(650);
  });

  it('string hashes differ for strings that differ in one character', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(stringHash2(`token${i}`).join(':'));
    expect(seen.size).toBe(100_000);
  });

  it('a forced collision never produces a false match: candidates are verified against the real tokens', async () => {
    const source = await loadBenchmarkSource(join(FIX, 'toy'));
    const everythingCollides = () => [7, 7] as [number, number];
    const opts: CheckOptions = {
      cacheDir: tempDir(),
      hasher: everythingCollides,
      charHasher: everythingCollides,
    };
    const res = checkContamination(
      {
        subject: { kind: 'items', file: 'x', field: 'text' },
        items: [
          {
            id: 'unrelated',
            text: 'Describe the water cycle in your own words, naming evaporation, condensation and precipitation, with one example of each from daily life.',
          },
          {
            id: 'copy',
            text: 'A farmer keeps chickens and goats in a single pen behind the old stone barn. Together the animals have 40 heads and 112 legs.',
          },
        ],
      },
      [source],
      opts,
    );
    const [unrelated, copy] = res.items;
    expect(unrelated.verdicts).toEqual({ 'gpt3-13gram': 'clean', 'palm-8gram-70': 'clean', 'gpt4-50char': 'clean' });
    expect(unrelated.matches).toEqual([]);
    expect(copy.verdicts['gpt3-13gram']).toBe('contaminated');
    expect(copy.matches.every((m) => m.itemId === 'toy/test:1')).toBe(true);
    // Nothing built with a test hasher is cached.
    expect(readdirSync(opts.cacheDir!).filter((f) => f.endsWith('.idx'))).toEqual([]);
  });
});

describe('index', () => {
  const items: BenchItem[] = [
    { id: 'a', text: 'one two three four five six seven eight nine ten' },
    { id: 'b', text: 'one two three four five six seven eight other words' },
    { id: 'c', text: '' },
  ];
  const spec: IndexSpec = { kind: 'word', field: 'text', n: 8, normalization: 'janitor' };

  it('maps each n-gram to the items holding it, once per item', () => {
    const idx = buildWordIndex(
      [...items, { id: 'd', text: 'one two three four five six seven eight one two three four five six seven eight' }],
      spec,
      {},
      'h',
    );
    const { h1, h2 } = tokenHashHalves('one two three four five six seven eight'.split(' '));
    const [hi, lo] = ngramHash(h1, h2, 0, 8);
    expect([...lookup(idx, hi, lo)]).toEqual([0, 1, 3]);
    expect(lookup(idx, 1, 2).length).toBe(0);
  });

  it('orders keys whose high halves collide by their low halves, and finds them', () => {
    const hasher = (h1: Uint32Array, h2: Uint32Array, start: number, n: number) =>
      [7, ngramHash(h1, h2, start, n)[1]] as [number, number];
    const idx = buildWordIndex(items, spec, {}, 'h', { hasher });
    expect(new Set(idx.keysHi)).toEqual(new Set([7]));
    for (let k = 1; k < idx.keysLo.length; k++) expect(idx.keysLo[k]).toBeGreaterThan(idx.keysLo[k - 1]);
    const { h1, h2 } = tokenHashHalves('one two three four five six seven eight'.split(' '));
    const [hi, lo] = hasher(h1, h2, 0, 8);
    expect([...lookup(idx, hi, lo)]).toEqual([0, 1]);
    const { h1: o1, h2: o2 } = tokenHashHalves('two three four five six seven eight other'.split(' '));
    expect([...lookup(idx, ...hasher(o1, o2, 0, 8))]).toEqual([1]);
  });

  it('round-trips through its file format, and rejects damaged or mismatched files', () => {
    const idx = buildWordIndex(items, spec, {}, 'sha256:x');
    const buf = serializeIndex(idx);
    const expected = { spec, sourceHash: 'sha256:x', itemCount: 3 };
    const back = deserializeIndex(buf, expected);
    expect('invalid' in back).toBe(false);
    if (!('invalid' in back)) {
      expect([...back.keysHi]).toEqual([...idx.keysHi]);
      expect([...back.postings]).toEqual([...idx.postings]);
    }
    expect(deserializeIndex(buf.subarray(0, buf.length - 4), expected)).toMatchObject({ invalid: expect.any(String) });
    expect(deserializeIndex(buf, { ...expected, sourceHash: 'sha256:y' })).toMatchObject({
      invalid: 'built from another version of the benchmark',
    });
    expect(deserializeIndex(buf, { ...expected, spec: { ...spec, n: 13 } })).toMatchObject({
      invalid: 'built for another rule',
    });
    const bad = Buffer.from(buf);
    bad.writeUInt32LE(99, bad.length - 4); // a posting past the last item
    expect(deserializeIndex(bad, expected)).toMatchObject({ invalid: 'posting out of range' });
  });

  it('is cached on disk, loaded on the next run, and rebuilt when the file is corrupt', () => {
    const dir = tempDir();
    const expected = { spec, sourceHash: 'sha256:x', itemCount: 3 };
    let builds = 0;
    const build = () => {
      builds++;
      return buildWordIndex(items, spec, {}, 'sha256:x');
    };
    expect(loadOrBuildIndex(expected, build, { cacheDir: dir }).status).toBe('built');
    const second = loadOrBuildIndex(expected, build, { cacheDir: dir });
    expect(second.status).toBe('hit');
    const file = second.file!;
    const raw = readFileSync(file);
    raw.writeUInt32LE(0xffffffff, raw.length - 8);
    writeFileSync(file, raw);
    const third = loadOrBuildIndex(expected, build, { cacheDir: dir });
    expect(third.status).toBe('built');
    expect(third.rejected).toBe('posting out of range');
    expect(builds).toBe(2);
  });

  it('a cached index written with another hash is rebuilt, not trusted (every lookup in it would miss)', async () => {
    const source = await loadBenchmarkSource(join(FIX, 'toy'));
    const cacheDir = tempDir();
    const specs = indexSpecs('text', 13, [...RULE_NAMES], {});
    // The layout of an index from an older heldout: right in every field, keys from another hash.
    const otherNgram = (h1: Uint32Array, h2: Uint32Array, start: number, n: number): [number, number] => {
      const [hi, lo] = ngramHash(h1, h2, start, n);
      return [hi ^ 1, lo];
    };
    const otherChars = (s: string, start: number, len: number): [number, number] => {
      const [hi, lo] = stringHash2(s, start, start + len);
      return [hi ^ 1, lo];
    };
    for (const spec of specs) {
      const norm = spec.normalization === 'janitor' ? {} : { latex: true, maskNumbers: true };
      const build = () =>
        spec.kind === 'char'
          ? buildCharIndex(source.items, spec, source.hash, { hasher: otherChars })
          : buildWordIndex(source.items, spec, norm, source.hash, { hasher: otherNgram });
      const expected = { spec, sourceHash: source.hash, itemCount: source.items.length };
      expect(loadOrBuildIndex(expected, build, { cacheDir }).status).toBe('built');
    }
    const check = () => {
      const events: [string, string | undefined][] = [];
      const res = checkContamination(
        { subject: { kind: 'items', file: 'x', field: 'text' }, items: [{ id: 'copy', text: source.items[0].text }] },
        [source],
        { cacheDir, onIndex: (e) => events.push([e.status, e.rejected]) },
      );
      return { events, verdicts: res.items[0].verdicts };
    };
    const first = check();
    expect(first.events).toEqual(specs.map(() => ['built', 'built with another hash']));
    expect(first.verdicts).toEqual({
      'gpt3-13gram': 'contaminated',
      'palm-8gram-70': 'contaminated',
      'gpt4-50char': 'contaminated',
    });
    // The rebuilt indexes replaced the old files.
    expect(check().events).toEqual(specs.map(() => ['hit', undefined]));
  });

  it('char index: a 50-character sample is found wherever it occurs in an item', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(3);
    const idx = buildCharIndex(
      [{ id: 'x', text }],
      { kind: 'char', field: 'text', n: 25, normalization: 'gpt4chars' },
      'h',
    );
    // 186 letters and digits: grams at 0, 25, …, 150, all different (the text repeats every 62).
    expect(idx.keysHi.length).toBe(7);
    const src = {
      label: 'x',
      name: 'generic',
      splits: ['x'],
      path: '',
      files: [],
      hash: 'h',
      items: [{ id: 'x', text }],
      badLines: [],
    };
    for (let start = 0; start + 50 <= text.length; start += 7) {
      const r = checkText(
        { id: 's', text: text.slice(start, start + 50) },
        [
          {
            source: src,
            language: undefined,
            indexes: new Map([['char:text:25:gpt4chars', idx]]),
            tokenMemo: new Map(),
            gramMemo: new Map(),
            charMemo: new Map(),
            allChars: new Map(),
          },
        ],
        'text',
        13,
        ['gpt4-50char'],
      );
      expect(r.verdicts['gpt4-50char']).toBe('contaminated');
    }
  });

  it('longestSharedRun finds the longest common token run', () => {
    expect(longestSharedRun('a b c d e'.split(' '), 'x b c d y'.split(' '))).toBe(3);
    expect(longestSharedRun([], ['a'])).toBe(0);
  });
});
