import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvRecords } from '../src/contamination/bench/csv.js';
import { loadBenchmarkSource, loadBenchmarkSources } from '../src/contamination/bench/load.js';
import { ROOT, runCli, runCliAsync, tempDir } from './helpers/cli.js';

const F = join(ROOT, 'tests/fixtures/contamination/formats');

describe('benchmark loaders (fixtures written for these tests)', () => {
  it('GSM8K JSONL: question is the text, answer the solution, ids are label/stem:line', async () => {
    const s = await loadBenchmarkSource(join(ROOT, 'tests/fixtures/contamination/toy'));
    expect(s.label).toBe('toy');
    expect(s.name).toBe('gsm8k');
    expect(s.splits).toEqual(['test', 'train']);
    expect(s.items).toHaveLength(8);
    expect(s.items[0].id).toBe('toy/test:1');
    expect(s.items[6].id).toBe('toy/train:1');
    expect(s.items[0].text).toMatch(/^A farmer keeps/);
    expect(s.items[0].solution).toMatch(/#### 16$/);
    expect(s.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(s.files.map((f) => f.sha256)).toHaveLength(2);
  });

  it('MATH JSONL in a directory: each file is a split of one source (math500 kept as its own split)', async () => {
    const s = await loadBenchmarkSource(join(F, 'math'));
    expect(s.name).toBe('math');
    expect(s.splits).toEqual(['math500_test', 'test', 'train']);
    expect(s.split).toBeUndefined();
    expect(s.items.map((i) => i.id)).toEqual(['math/math500_test:1', 'math/test:1', 'math/test:2', 'math/train:1']);
    expect(s.items[1].text).toBe('What is the remainder when $2^{10}$ is divided by $7$?');
    expect(s.items[1].solution).toMatch(/boxed\{2\}/);
  });

  it('MMLU CSV (no header): question with its four choices; ids per subject; a single file keeps its label', async () => {
    const s = await loadBenchmarkSource(join(F, 'mmlu'));
    expect(s.name).toBe('mmlu');
    expect(s.splits).toEqual(['dev', 'test']);
    const ids = s.items.map((i) => i.id);
    expect(ids).toContain('mmlu/test/toy_logic:3');
    expect(ids).toContain('mmlu/dev/toy_logic:1');
    const q = s.items.find((i) => i.id === 'mmlu/test/toy_logic:1')!;
    expect(q.text).toBe(
      'Which statement is the contrapositive of "if it rains, the ground is wet"?\nA. If the ground is wet, it rains.\nB. If the ground is not wet, it does not rain.\nC. If it does not rain, the ground is not wet.\nD. It rains, and the ground is wet.',
    );
    expect(q.solution).toBeUndefined();
    const one = await loadBenchmarkSource(join(F, 'mmlu/test/toy_logic_test.csv'));
    expect(one.label).toBe('mmlu');
    expect(one.items[1].id).toBe('mmlu/test/toy_logic:2');
    // A split folder keeps the benchmark's label and ids.
    const split = await loadBenchmarkSource(join(F, 'mmlu/test'));
    expect(split.label).toBe('mmlu');
    expect(split.items.map((i) => i.id)).toEqual([
      'mmlu/test/toy_logic:1',
      'mmlu/test/toy_logic:2',
      'mmlu/test/toy_logic:3',
    ]);
    // A labelled file keeps the same ids under its label, so `label=path` reloads find them.
    const labelled = await loadBenchmarkSource(`m=${join(F, 'mmlu/test/toy_logic_test.csv')}`);
    expect(labelled.items[1].id).toBe('m/test/toy_logic:2');
  });

  it('HumanEval JSONL: prompt is the text, canonical_solution the solution, task_id the id', async () => {
    const s = await loadBenchmarkSource(join(F, 'humaneval'));
    expect(s.name).toBe('humaneval');
    expect(s.items[0]).toEqual({
      id: 'Toy/0',
      text: expect.stringContaining('def add_one'),
      solution: '    return x + 1\n',
    });
  });

  it('generic CSV with a header needs the field; label=path names the source', async () => {
    await expect(loadBenchmarkSource(join(F, 'generic.csv'))).rejects.toThrow(/not an MMLU CSV/);
    const s = await loadBenchmarkSource(`mine=${join(F, 'generic.csv')}`, {
      fieldName: 'question_text',
      solutionField: 'worked',
    });
    expect(s.label).toBe('mine');
    expect(s.name).toBe('generic');
    expect(s.items.map((i) => i.id)).toEqual(['mine/generic:1', 'mine/generic:2']);
    expect(s.items[1].solution).toBe('sqrt(2)');
    await expect(loadBenchmarkSource(join(F, 'generic.csv'), { fieldName: 'nope' })).rejects.toThrow(/no field "nope"/);
  });

  it('generic JSONL with a field, and an unknown JSONL without one lists its fields', async () => {
    const dir = tempDir();
    const file = join(dir, 'texts.jsonl');
    writeFileSync(file, '{"body":"first text here"}\n{"body":"second text"}\n');
    const s = await loadBenchmarkSource(file, { fieldName: 'body' });
    expect(s.items.map((i) => [i.id, i.text])).toEqual([
      ['texts/texts:1', 'first text here'],
      ['texts/texts:2', 'second text'],
    ]);
    await expect(loadBenchmarkSource(file)).rejects.toThrow(/not a known benchmark format/);
  });

  it('malformed lines are counted with line numbers; more than 1% is an error', async () => {
    const dir = tempDir();
    const good = (i: number) => JSON.stringify({ question: `Question number ${i}?`, answer: `#### ${i}` });
    const few = join(dir, 'few.jsonl');
    const lines = Array.from({ length: 200 }, (_, i) => good(i));
    lines.splice(57, 0, '{"question": "cut off');
    lines.splice(120, 0, '{"question": 3, "answer": "x"}');
    writeFileSync(few, `${lines.join('\n')}\n`);
    const s = await loadBenchmarkSource(few);
    expect(s.items).toHaveLength(200);
    expect(s.badLines.map((b) => b.line)).toEqual([58, 121]);
    expect(s.badLines[0].error).toMatch(/invalid JSON/);
    expect(s.badLines[1].error).toMatch(/"question"/);
    const many = join(dir, 'many.jsonl');
    writeFileSync(many, `${[good(1), 'not json', good(2), good(3)].join('\n')}\n`);
    await expect(loadBenchmarkSource(many)).rejects.toThrow(/1 of 4 records are malformed/);
    try {
      await loadBenchmarkSource(many);
    } catch (err) {
      expect((err as { where?: string }).where).toMatch(/many\.jsonl:2$/);
    }
  });

  it('Parquet (as on the Hugging Face hub): GSM8K and MMLU layouts', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'gsm8k'));
    writeFileSync(
      join(dir, 'gsm8k/test.parquet'),
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'question', data: ['How many legs do 3 spiders have?', 'What is 6 times 7?'], type: 'STRING' },
            { name: 'answer', data: ['3 * 8 = 24\n#### 24', '#### 42'], type: 'STRING' },
          ],
        }),
      ),
    );
    const g = await loadBenchmarkSource(join(dir, 'gsm8k'));
    expect(g.name).toBe('gsm8k');
    expect(g.items.map((i) => i.id)).toEqual(['gsm8k/test:1', 'gsm8k/test:2']);
    expect(g.items[1]).toMatchObject({ text: 'What is 6 times 7?', solution: '#### 42' });
    mkdirSync(join(dir, 'mmlu'));
    writeFileSync(
      join(dir, 'mmlu/test.parquet'),
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'question', data: ['Pick the even number.', 'Pick the prime.', 'Pick a vowel.'], type: 'STRING' },
            { name: 'subject', data: ['numbers', 'numbers', 'letters'], type: 'STRING' },
            {
              name: 'choices',
              data: [
                ['1', '2', '3', '5'],
                ['4', '6', '7', '9'],
                ['b', 'c', 'e', 'f'],
              ],
            },
            { name: 'answer', data: [1n, 2n, 2n], type: 'INT64' },
          ],
        }),
      ),
    );
    const m = await loadBenchmarkSource(join(dir, 'mmlu'));
    expect(m.name).toBe('mmlu');
    expect(m.items.map((i) => i.id)).toEqual(['mmlu/test/numbers:1', 'mmlu/test/numbers:2', 'mmlu/test/letters:1']);
    expect(m.items[0].text).toBe('Pick the even number.\nA. 1\nB. 2\nC. 3\nD. 5');
  });

  it('cached names resolve in the bench directory; a missing one says how to get it', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'gsm8k'));
    writeFileSync(
      join(dir, 'gsm8k/test.jsonl'),
      readFileSync(join(ROOT, 'tests/fixtures/contamination/toy/test.jsonl')),
    );
    const s = await loadBenchmarkSource('gsm8k', { benchDir: dir });
    expect(s.label).toBe('gsm8k');
    expect(s.items[0].id).toBe('gsm8k/test:1');
    await expect(loadBenchmarkSource('math', { benchDir: dir, packDir: false })).rejects.toThrow(/not in the cache/);
    try {
      await loadBenchmarkSource('math', { benchDir: dir, packDir: false });
    } catch (err) {
      expect((err as { hint?: string }).hint).toMatch(/heldout bench pull math/);
    }
    await expect(loadBenchmarkSources([join(F, 'math'), `math=${join(F, 'math')}`])).rejects.toThrow(
      /both labelled "math"/,
    );
  });

  it('parsed files are cached by content hash, and a damaged cache file is parsed again', async () => {
    const cache = tempDir();
    const dir = tempDir();
    const file = join(dir, 'few.jsonl');
    const lines = Array.from({ length: 150 }, (_, i) =>
      JSON.stringify({ question: `Question ${i} with “quotes” and é?`, answer: i % 2 ? `#### ${i}` : '' }),
    );
    lines.splice(10, 0, '{broken');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const first = await loadBenchmarkSource(file, { itemCacheDir: cache });
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    const second = await loadBenchmarkSource(file, { itemCacheDir: cache });
    expect(second.items).toEqual(first.items);
    expect(second.badLines).toEqual(first.badLines);
    expect(second.badLines[0].line).toBe(11);
    expect(second.hash).toBe(first.hash);
    const math = await loadBenchmarkSource(join(F, 'math'), { itemCacheDir: cache });
    expect((await loadBenchmarkSource(join(F, 'math'), { itemCacheDir: cache })).items).toEqual(math.items);
    // Truncate the cache file: it is rejected and the data file parsed again.
    const cached = join(cache, files[0]);
    writeFileSync(cached, readFileSync(cached).subarray(0, 100));
    expect((await loadBenchmarkSource(file, { itemCacheDir: cache })).items).toEqual(first.items);
    // A changed data file is a new cache entry, never a stale hit.
    writeFileSync(file, `${JSON.stringify({ question: 'Only one now?', answer: '#### 1' })}\n`);
    expect((await loadBenchmarkSource(file, { itemCacheDir: cache })).items.map((i) => i.text)).toEqual([
      'Only one now?',
    ]);
  });

  it('an MMLU CSV with commas, doubled quotes and line breaks inside quoted cells loads cell by cell', async () => {
    const rows = [
      '"Which of these, if any, is ""prime""?","2, the even one","4\n(four)",6,8,A',
      'A plain question with no quotes,a,b,c,d,B',
      '"Line one\r\nLine two, after a CRLF","x","y ""quoted"" y","z","""w""",C',
      '"Ends with a comma,",",","""","",last,D',
    ];
    const text = `${rows.join('\r\n')}\n`;
    // What a split on lines and commas would read: six records for four, the first cut at its first comma.
    const naive = text
      .split(/\r?\n/)
      .filter(Boolean)
      .map((l) => l.split(','));
    expect(naive).toHaveLength(6);
    expect(naive[0][0]).toBe('"Which of these');
    const dir = join(tempDir(), 'mmlu', 'test');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tricky_test.csv'), text);
    const s = await loadBenchmarkSource(join(dir, 'tricky_test.csv'), { itemCacheDir: false });
    expect(s.badLines).toEqual([]);
    expect(s.items.map((i) => [i.id, i.answer])).toEqual([
      ['mmlu/test/tricky:1', 'A'],
      ['mmlu/test/tricky:2', 'B'],
      ['mmlu/test/tricky:3', 'C'],
      ['mmlu/test/tricky:4', 'D'],
    ]);
    expect(s.items[0].text).toBe('Which of these, if any, is "prime"?\nA. 2, the even one\nB. 4\n(four)\nC. 6\nD. 8');
    expect(s.items[2].text).toBe('Line one\r\nLine two, after a CRLF\nA. x\nB. y "quoted" y\nC. z\nD. "w"');
    expect(s.items[3].text).toBe('Ends with a comma,\nA. ,\nB. "\nC. \nD. last');
    // Line numbers count the breaks inside quoted cells; a quote never closed is one bad record, not the rest.
    const records = parseCsvRecords(`${text}"never closed,a,b\nc,d,e\n`);
    expect(records.map((r) => [r.line, r.cells.length, r.error !== undefined])).toEqual([
      [1, 6, false],
      [3, 6, false],
      [4, 6, false],
      [6, 6, false],
      [7, 0, true],
    ]);
  });

  it('the CSV reader handles quotes, doubled quotes, CRLF and cells spanning lines', () => {
    const recs = parseCsvRecords('a,"b, c","say ""hi"""\r\n"multi\nline",x,\n\nlast,1,2');
    expect(recs).toEqual([
      { cells: ['a', 'b, c', 'say "hi"'], line: 1 },
      { cells: ['multi\nline', 'x', ''], line: 2 },
      { cells: ['last', '1', '2'], line: 5 },
    ]);
  });
});

describe('heldout bench pull / list (loopback hub)', () => {
  let server: Server;
  let base = '';
  const requests: string[] = [];
  const parquet = Buffer.from(
    parquetWriteBuffer({
      columnData: [
        {
          name: 'question',
          data: [
            'A farmer keeps chickens and goats in a single pen behind the old stone barn. Together the animals have 40 heads and 112 legs. How many goats does the farmer keep in the pen?',
            'Name a shape with four equal sides.',
          ],
          type: 'STRING',
        },
        { name: 'answer', data: ['#### 16', '#### square'], type: 'STRING' },
      ],
    }),
  );

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const m = /^\/api\/datasets\/openai\/gsm8k\/parquet\/main\/(train|test)$/.exec(req.url ?? '');
      if (m) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify([`${base}/files/gsm8k-${m[1]}.parquet`]));
        return;
      }
      if (req.url === '/files/gsm8k-test.parquet' || req.url === '/files/gsm8k-train.parquet') {
        // The hub answers file URLs with a redirect to its CDN.
        res.statusCode = 302;
        res.setHeader('location', `${base}/cdn${req.url}`);
        res.end();
        return;
      }
      if (req.url?.startsWith('/cdn/files/')) {
        res.setHeader('content-type', 'application/octet-stream');
        res.end(parquet);
        return;
      }
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('pulls GSM8K into the cache, lists it, and check uses it by name', async () => {
    const benchDir = tempDir();
    const env = { HF_ENDPOINT: base, HELDOUT_BENCH_DIR: benchDir, HELDOUT_CACHE_DIR: tempDir() };
    const pull = await runCliAsync(['bench', 'pull', 'gsm8k'], { env });
    expect(pull.code, pull.stderr).toBe(0);
    // The loopback hub serves the same rows for both splits: they are counted once (in the first split).
    expect(pull.stdout).toMatch(/pulled gsm8k: 2 items \(test, train\)/);
    expect(requests).toContain('/api/datasets/openai/gsm8k/parquet/main/test');
    expect(existsSync(join(benchDir, 'gsm8k/test.parquet'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(benchDir, 'gsm8k/SOURCE.json'), 'utf8'));
    expect(manifest.repo).toBe('openai/gsm8k');
    expect(JSON.stringify(manifest)).not.toMatch(/token/i);

    const list = runCli(['bench', 'list'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/gsm8k\s+cache\s+test\s+2\s+sha256:/);
    expect(list.stdout).toMatch(/gsm8k\s+cache\s+train\s+0\s+sha256:/);
    expect(list.stdout).toMatch(/math\s+pack\s+test\s+5000\s+sha256:/);
    const listJson = JSON.parse(runCli(['bench', 'list', '--json'], { env }).stdout);
    expect(listJson.benchmarks[0]).toMatchObject({ name: 'gsm8k', origin: 'cache', format: 'gsm8k', items: 2 });

    const check = runCli(['check', 'tests/fixtures/contamination/exam', '--bench', 'gsm8k', '--json'], { env });
    expect(check.code).toBe(2);
    const res = JSON.parse(check.stdout);
    const verbatim = res.items.find((i: { id: string }) => i.id === 'verbatim');
    expect(verbatim.verdicts['gpt3-13gram']).toBe('contaminated');
    expect(verbatim.matches[0].itemId).toMatch(/^gsm8k\/(test|train):1$/);
  });

  it('--from caches a local copy without any network, and check uses it by name', async () => {
    const benchDir = tempDir();
    const copy = join(tempDir(), 'gsm8k');
    mkdirSync(copy);
    const q = (s: string) => JSON.stringify({ question: s, answer: 'It follows. #### 1' });
    writeFileSync(
      join(copy, 'test.jsonl'),
      `${q('A farmer keeps chickens and ducks on a small farm near the river bank.')}\n`,
    );
    writeFileSync(
      join(copy, 'train.jsonl'),
      `${q('How many marbles does Tom have after he gives away half of them?')}\n`,
    );
    // An unreachable hub proves that nothing is downloaded.
    const env = { HF_ENDPOINT: 'http://127.0.0.1:9', HELDOUT_BENCH_DIR: benchDir, HELDOUT_CACHE_DIR: tempDir() };
    const pull = await runCliAsync(['bench', 'pull', 'gsm8k', '--from', copy], { env });
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toMatch(/pulled gsm8k: 2 items \(test, train\)/);
    expect(JSON.parse(readFileSync(join(benchDir, 'gsm8k/SOURCE.json'), 'utf8')).from).toBe(copy);
    expect(runCli(['bench', 'list'], { env }).stdout).toMatch(/gsm8k\s+cache\s+test\s+1\s+sha256:/);
    const check = runCli(['check', '--items', join(copy, 'test.jsonl'), '--field', 'question', '--bench', 'gsm8k'], {
      env,
    });
    expect(check.code).toBe(2);
    // A missing copy is an error that names it, and the cache keeps what it had.
    const bad = await runCliAsync(['bench', 'pull', 'gsm8k', '--from', join(copy, 'nope')], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('nope: local copy not found');
    expect(existsSync(join(benchDir, 'gsm8k/test.jsonl'))).toBe(true);
  });

  it('a failed pull says so and leaves no partial benchmark behind', async () => {
    const benchDir = tempDir();
    const r = await runCliAsync(['bench', 'pull', 'math'], { env: { HF_ENDPOINT: base, HELDOUT_BENCH_DIR: benchDir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HTTP 404/);
    expect(existsSync(join(benchDir, 'math'))).toBe(false);
    // Nothing cached: every known benchmark still resolves, from the offline pack.
    const empty = runCli(['bench', 'list'], { env: { HELDOUT_BENCH_DIR: benchDir } });
    expect(empty.stdout).not.toMatch(/\bcache\s+test/);
    expect(empty.stdout).toMatch(/math\s+pack\s+test\s+5000/);
    expect(empty.stdout).toMatch(/humaneval\s+pack\s+test\s+164/);
  });
});
