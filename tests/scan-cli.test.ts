import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { makeDocument, rng, vocabulary } from '../bench/gen-corpus.js';
import { runCli, tempDir } from './helpers/cli.js';
import { sharedBenchmarks } from './helpers/shared.js';

const ITEMS = [
  'A farmer plants seven rows of tomatoes and each row holds twelve plants, while rabbits eat three plants every night. How many plants remain after one full week?',
  'Let f(x) = x^2 + 4x - 9. Find every real value of x for which f(x) is exactly zero, and give the sum of those values as a common fraction.',
  'Count the faces: the café on the corner serves naïve customers who order crème brûlée with a façade of confidence every single Tuesday morning.',
  'Nobody ever plants this sentence in the corpus, so it has to stay clean however many shards we use today.',
];

/** A benchmark file of our own, and a corpus of `files` JSONL shards (+ one .gz) with planted items. */
function setup(files = 3, docs = 400) {
  const dir = tempDir();
  const bench = join(dir, 'mine.jsonl');
  writeFileSync(bench, `${ITEMS.map((t, i) => JSON.stringify({ id: i, question: t })).join('\n')}\n`);
  const r = rng(3);
  const vocab = vocabulary();
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let i = 0; i < docs; i++) {
      let t = makeDocument(r, vocab, 100 + Math.floor(r() * 800));
      if ((i + f) % 37 === 0) t = `${t} ${ITEMS[(i + f) % 3]}`;
      if (i % 101 === 5) t = `${ITEMS[0].toUpperCase()} ${t}`;
      lines.push(JSON.stringify({ text: t }));
    }
    const body = `${lines.join('\n')}\n`;
    if (f === files - 1) writeFileSync(join(dir, `corpus-${f}.jsonl.gz`), gzipSync(body));
    else writeFileSync(join(dir, `corpus-${f}.jsonl`), body);
  }
  return {
    dir,
    bench,
    corpus: join(dir, 'corpus-*'),
    benchArgs: ['--bench', `mine=${bench}`, '--bench-field', 'question'],
  };
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('heldout scan', () => {
  it('writes the same JSON with 1 and 2 workers, exits 2 on contamination, lists sorted documents', () => {
    const s = setup();
    const a = runCli(['scan', ...s.benchArgs, '--corpus', s.corpus, '--workers', '1', '--out', join(s.dir, 'a.json')]);
    expect(a.stderr).not.toMatch(/error/);
    expect(a.code).toBe(2);
    const b = runCli(['scan', ...s.benchArgs, '--corpus', s.corpus, '--workers', '2', '--out', join(s.dir, 'b.json')]);
    expect(b.code).toBe(2);
    expect(readFileSync(join(s.dir, 'a.json'), 'utf8')).toBe(readFileSync(join(s.dir, 'b.json'), 'utf8'));
    const out = json(join(s.dir, 'a.json'));
    expect(out.benchmarks.mine.items).toBe(4);
    expect(out.benchmarks.mine.contaminatedItems).toBe(3);
    expect(out.benchmarks.mine.percent).toBe(75);
    const farm = out.benchmarks.mine.contaminated[0];
    expect(farm.id).toBe('mine/mine:1');
    expect(farm.firstDocuments.length).toBe(5);
    expect(farm.ngrams[0]).toEqual({
      at: 0,
      text: 'a farmer plants seven rows of tomatoes and each row holds twelve plants',
    });
    expect(farm.coverage).toBe(1);
    expect(out.documents.length).toBeGreaterThan(20);
    expect(out.documents[0]).toMatch(/^corpus-0\.jsonl:\d+$/);
    const key = (d: string) => [d.slice(0, d.lastIndexOf(':')), Number(d.slice(d.lastIndexOf(':') + 1))] as const;
    const sorted = [...out.documents].sort((x, y) => {
      const [fx, lx] = key(x);
      const [fy, ly] = key(y);
      return fx < fy ? -1 : fx > fy ? 1 : lx - ly;
    });
    expect(out.documents).toEqual(sorted);
    expect(out.documents.some((d: string) => d.startsWith('corpus-2.jsonl.gz:'))).toBe(true);
    expect(a.stdout).toMatch(/mine\s+4\s+3\s+75\.00%/);
    const clean = runCli([
      'scan',
      '--bench',
      `x=${s.bench}`,
      '--bench-field',
      'question',
      '--corpus',
      join(s.dir, 'corpus-0.jsonl'),
      '--n',
      '40',
    ]);
    expect(clean.code).toBe(0);
    const zero = runCli(['scan', ...s.benchArgs, '--corpus', s.corpus, '--exit-zero', '--json']);
    expect(zero.code).toBe(0);
    expect(JSON.parse(zero.stdout)).toEqual(out);
  });

  for (const [name, files] of [
    ['whole files dealt to shards', 5],
    ['byte ranges of one file and line modulo of a .gz', 2],
  ] as const) {
    it(`merging N shard runs equals one run (${name})`, () => {
      const s = setup(files, 300);
      const one = join(s.dir, 'one.json');
      expect(runCli(['scan', ...s.benchArgs, '--corpus', s.corpus, '--out', one]).code).toBe(2);
      const N = 3;
      const parts: string[] = [];
      for (let i = 0; i < N; i++) {
        const p = join(s.dir, `part-${i}.json`);
        const r = runCli([
          'scan',
          ...s.benchArgs,
          '--corpus',
          s.corpus,
          '--shard',
          `${i}/${N}`,
          '--workers',
          '2',
          '--out',
          p,
        ]);
        expect(r.stderr).not.toMatch(/error/);
        expect(json(p).shard).toEqual({ index: i, count: N });
        parts.push(p);
      }
      const merged = join(s.dir, 'merged.json');
      const m = runCli(['scan', 'merge', ...parts.reverse(), '--out', merged]);
      expect(m.code).toBe(2);
      expect(json(merged)).toEqual(json(one));
      expect(readFileSync(merged, 'utf8')).toBe(readFileSync(one, 'utf8'));
      // A missing part and a part of another scan are refused.
      const miss = runCli(['scan', 'merge', parts[0], parts[1]]);
      expect(miss.code).toBe(1);
      expect(miss.stderr).toMatch(/missing/);
      const other = join(s.dir, 'other.json');
      runCli(['scan', ...s.benchArgs, '--corpus', s.corpus, '--n', '12', '--shard', `0/${N}`, '--out', other]);
      const mixed = runCli(['scan', 'merge', other, parts[1], parts[2]]);
      expect(mixed.code).toBe(1);
      expect(mixed.stderr).toMatch(/different scan/);
    });
  }

  it('reports one clear error for a missing corpus and a bad --shard', () => {
    const s = setup(1, 10);
    const r = runCli(['scan', ...s.benchArgs, '--corpus', join(s.dir, 'nope-*.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/heldout: error: .*no corpus files match/);
    const sh = runCli(['scan', ...s.benchArgs, '--corpus', s.corpus, '--shard', '3/3']);
    expect(sh.code).toBe(1);
    expect(sh.stderr).toMatch(/--shard 3\/3/);
  });
});

describe('heldout scan k8s', () => {
  it('emits an Indexed Job using JOB_COMPLETION_INDEX as the shard, and a merge Job', () => {
    const r = runCli([
      'scan',
      'k8s',
      '--shards',
      '16',
      '--image',
      'ghcr.io/acme/heldout:1.0',
      '--corpus-uri',
      'pvc://pile/train/*.jsonl.zst',
      '--results-uri',
      'pvc://scan-results/run-1',
      '--bench',
      '/benchmarks/gsm8k',
      '--bench',
      '/benchmarks/mmlu',
      '--cpu',
      '8',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs).toHaveLength(2);
    const [scan, merge] = docs;
    expect(scan.apiVersion).toBe('batch/v1');
    expect(scan.kind).toBe('Job');
    expect(scan.spec.completionMode).toBe('Indexed');
    expect(scan.spec.completions).toBe(16);
    expect(scan.spec.parallelism).toBe(16);
    const pod = scan.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const c = pod.containers[0];
    expect(c.image).toBe('ghcr.io/acme/heldout:1.0');
    const cmd: string[] = c.command;
    expect(cmd.slice(0, 2)).toEqual(['heldout', 'scan']);
    expect(cmd[cmd.indexOf('--shard') + 1]).toBe('$(JOB_COMPLETION_INDEX)/16');
    expect(cmd[cmd.indexOf('--out') + 1]).toBe('/results/run-1/part-$(JOB_COMPLETION_INDEX).json');
    expect(cmd[cmd.indexOf('--corpus') + 1]).toBe('/corpus/train/*.jsonl.zst');
    expect(cmd[cmd.indexOf('--workers') + 1]).toBe('8');
    expect(cmd).toContain('--exit-zero');
    expect(cmd.filter((x) => x === '--bench')).toHaveLength(2);
    expect(c.env).toContainEqual({
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
    });
    expect(c.resources.limits.cpu).toBe('8');
    expect(pod.volumes).toContainEqual({
      name: 'corpus',
      persistentVolumeClaim: { claimName: 'pile', readOnly: true },
    });
    expect(pod.volumes).toContainEqual({
      name: 'results',
      persistentVolumeClaim: { claimName: 'scan-results', readOnly: false },
    });
    expect(merge.kind).toBe('Job');
    expect(merge.metadata.name).toBe('heldout-scan-merge');
    const wait = merge.spec.template.spec.initContainers[0].command.join(' ');
    expect(wait).toMatch(/-ge 16/);
    const mcmd = merge.spec.template.spec.containers[0].command.join(' ');
    expect(mcmd).toContain('heldout scan merge /results/run-1/part-*.json --out /results/run-1/result.json');
    // nfs corpus; parse() of a single document still works on the first one.
    const nfs = runCli([
      'scan',
      'k8s',
      '--shards',
      '2',
      '--image',
      'i',
      '--corpus-uri',
      'nfs://10.0.0.5/export/pile/*.jsonl',
      '--results-uri',
      'pvc://r/x',
      '--bench',
      '/b',
    ]);
    const job = parse(nfs.stdout.split('\n---\n')[0]);
    expect(job.spec.template.spec.volumes[0]).toEqual({
      name: 'corpus',
      nfs: { server: '10.0.0.5', path: '/export/pile', readOnly: true },
    });
    const bad = runCli([
      'scan',
      'k8s',
      '--shards',
      '2',
      '--image',
      'i',
      '--corpus-uri',
      's3://bucket/x',
      '--results-uri',
      'pvc://r/x',
      '--bench',
      '/b',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/CSI/);
  });
});

const B = sharedBenchmarks();
describe('real benchmarks', () => {
  it.skipIf(!B)('finds GSM8K test questions planted at test time (never committed) and nothing else', () => {
    const dir = tempDir();
    const gsm = readFileSync(join(B!, 'gsm8k/test.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const picks = [3, 100, 1000];
    const r = rng(8);
    const vocab = vocabulary();
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      let t = makeDocument(r, vocab, 200 + Math.floor(r() * 1000));
      if (i % 500 === 7) t = `${t}\n${gsm[picks[((i - 7) / 500) % 3]].question.toUpperCase()}\n${t.slice(0, 50)}`;
      lines.push(JSON.stringify({ text: t }));
    }
    writeFileSync(join(dir, 'c.jsonl'), `${lines.join('\n')}\n`);
    const res = runCli(['scan', '--bench', `gsm8k=${join(B!, 'gsm8k')}`, '--corpus', join(dir, 'c.jsonl'), '--json']);
    expect(res.code).toBe(2);
    const out = JSON.parse(res.stdout);
    const found = out.benchmarks.gsm8k.contaminated.map((m: { id: string }) => m.id);
    // Exact duplicates of a test question in train would also show; the three picks must be there.
    for (const p of picks) expect(found).toContain(`gsm8k/test:${p + 1}`);
    expect(out.documents).toEqual(['c.jsonl:8', 'c.jsonl:508', 'c.jsonl:1008', 'c.jsonl:1508']);
  });
});

describe('heldout scan without --bench', () => {
  it('looks for all four benchmarks of the offline pack, as check does, and finds a pack item planted at test time', async () => {
    const dir = tempDir();
    const emptyCache = join(dir, 'no-pulls');
    const { loadBenchmarkSources } = await import('../src/contamination/bench/load.js');
    const pack = await loadBenchmarkSources(['gsm8k', 'math', 'mmlu', 'humaneval'], {
      benchDir: emptyCache,
      itemCacheDir: false,
    });
    // A pack question read now, never committed, planted in a synthetic corpus.
    const planted = pack[0].items[5];
    const r = rng(11);
    const vocab = vocabulary();
    const lines = Array.from({ length: 50 }, (_, i) => {
      const t = makeDocument(r, vocab, 300);
      return JSON.stringify({ text: i === 20 ? `${t} ${planted.text}` : t });
    });
    writeFileSync(join(dir, 'c.jsonl'), `${lines.join('\n')}\n`);
    const res = runCli(['scan', '--corpus', join(dir, 'c.jsonl'), '--workers', '0', '--json'], {
      env: { HELDOUT_BENCH_DIR: emptyCache },
    });
    expect(res.code, res.stderr).toBe(2);
    const out = JSON.parse(res.stdout);
    expect(Object.keys(out.benchmarks)).toEqual(['gsm8k', 'math', 'mmlu', 'humaneval']);
    expect(Object.values(out.benchmarks).map((b) => (b as { hash: string }).hash)).toEqual(pack.map((s) => s.hash));
    expect(out.benchmarks.gsm8k.contaminated.map((m: { id: string }) => m.id)).toContain(planted.id);
    expect(out.documents).toEqual(['c.jsonl:21']);
  });
});
