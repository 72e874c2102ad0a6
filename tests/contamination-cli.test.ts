import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRules, runCheckRequest } from '../src/contamination/check/request.js';
import { RULE_NAMES } from '../src/contamination/check/rules.js';
import { ROOT, runCli, runCliAsync, tempDir } from './helpers/cli.js';

const EXAM = 'tests/fixtures/contamination/exam';
const TOY = 'toy=tests/fixtures/contamination/toy';
const env = () => ({ HELDOUT_CACHE_DIR: tempDir() });

describe('heldout check', () => {
  it('exits 2 on contamination and prints the documented JSON shape', () => {
    const r = runCli(['check', EXAM, '--bench', TOY, '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(2);
    const res = JSON.parse(r.stdout);
    expect(res.format).toBe('heldout-check/1');
    expect(res.subject).toMatchObject({ kind: 'exam', id: 'planted' });
    expect(res.sources[0]).toMatchObject({ label: 'toy', name: 'gsm8k', splits: ['test', 'train'], count: 8 });
    expect(res.sources[0].hash).toMatch(/^sha256:/);
    const item = res.items.find((i: { id: string }) => i.id === 'verbatim');
    expect(Object.keys(item)).toEqual(
      expect.arrayContaining(['id', 'verdicts', 'templateMatch', 'overlap', 'matches', 'language', 'reasons']),
    );
    expect(item.verdicts).toEqual({
      'gpt3-13gram': 'contaminated',
      'palm-8gram-70': 'contaminated',
      'gpt4-50char': 'contaminated',
    });
    expect(item.matches[0]).toMatchObject({ bench: 'toy', itemId: 'toy/test:1', rule: 'gpt3-13gram' });
    expect(item.matches[0].spans[0]).toMatchObject({ start: 0, benchStart: 0 });
    expect(res.contaminated).toBe(true);
    expect(res.summary.items).toBe(9);
  });

  it('prints a compact table by default, and Markdown with --format md', () => {
    const t = runCli(['check', EXAM, '--bench', TOY], { env: env() });
    expect(t.code).toBe(2);
    expect(t.stdout).toMatch(/verbatim\s+CONTAM\s+CONTAM\s+CONTAM\s+yes/);
    expect(t.stdout).toMatch(/hungarian\s+n\/c\s+n\/c\s+n\/c/);
    expect(t.stdout).toMatch(/CONTAMINATED \(exit 2\)/);
    const md = runCli(['check', EXAM, '--bench', TOY, '--format', 'md'], { env: env() });
    expect(md.stdout).toMatch(/^### heldout contamination check: ❌ contaminated/);
    expect(md.stdout).toMatch(/\| verbatim \| ❌ contaminated/);
  });

  it('checks a list of texts with --items/--field and exits 0 when clean; --rule picks rules', () => {
    const dir = tempDir();
    const file = join(dir, 'texts.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ id: 'a', q: 'A regular hexagon is inscribed in a circle of radius five centimetres; find the area between them.' })}\n${JSON.stringify({ q: 'Write the number one hundred and one in binary, and explain how you converted it step by step.' })}\n`,
    );
    const r = runCli(['check', '--items', file, '--field', 'q', '--bench', TOY, '--rule', 'gpt3-13gram', '--json'], {
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.rules).toEqual(['gpt3-13gram']);
    expect(res.items.map((i: { id: string }) => i.id)).toEqual(['a', 'texts:2']);
    expect(res.items[0].verdicts).toEqual({ 'gpt3-13gram': 'clean' });
    expect(res.contaminated).toBe(false);
  });

  it('checks model answers from a run against benchmark solutions', () => {
    const dir = tempDir();
    const solution = JSON.parse(readFileSync('tests/fixtures/contamination/toy/test.jsonl', 'utf8').split('\n')[0])
      .answer as string;
    const rec = (id: string, text: string) =>
      JSON.stringify({ id, model: 'replay:x', questionId: 'original', unitIds: ['original'], sample: 0, text });
    writeFileSync(
      join(dir, 'responses.jsonl'),
      `${rec('replay:x|original|0', 'first try')}\n${rec('replay:x|original|0', `Here is my answer. ${solution}`)}\n${rec('replay:x|short|0', 'A hexagon splits into six equilateral triangles of side five, so its area is seventy-five root three over two.')}\n`,
    );
    const r = runCli(
      ['check', '--items', join(dir, 'responses.jsonl'), '--field', 'text', '--bench', TOY, '--run', dir, '--json'],
      {
        env: env(),
      },
    );
    expect(r.code, r.stderr).toBe(2);
    const res = JSON.parse(r.stdout);
    expect(res.answers).toHaveLength(2);
    const a = res.answers.find((x: { id: string }) => x.id === 'replay:x|original|0');
    expect(a.verdicts['gpt3-13gram']).toBe('contaminated');
    expect(a.model).toBe('replay:x');
    expect(a.matches[0].itemId).toBe('toy/test:1');
  });

  it('bad input exits 1 with a hint; no benchmark says how to get one', () => {
    // No --bench, nothing pulled and no pack (HELDOUT_PACK_DIR=none): nothing to compare with.
    const none = runCli(['check', EXAM], { env: { ...env(), HELDOUT_BENCH_DIR: tempDir(), HELDOUT_PACK_DIR: 'none' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no benchmark given/);
    expect(none.stderr).toMatch(/heldout bench pull gsm8k/);
    const missing = runCli(['check', EXAM, '--bench', 'gsm8k'], {
      env: { ...env(), HELDOUT_BENCH_DIR: tempDir(), HELDOUT_PACK_DIR: 'none' },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/heldout bench pull gsm8k/);
    const rule = runCli(['check', EXAM, '--bench', TOY, '--rule', 'gpt5'], { env: env() });
    expect(rule.code).toBe(1);
    expect(rule.stderr).toMatch(/unknown rule "gpt5"/);
    const n = runCli(['check', EXAM, '--bench', TOY, '--n', 'many'], { env: env() });
    expect(n.code).toBe(1);
  });

  it('--confirm asks a model (loopback OpenAI-compatible server) and shows its answer next to the verdict', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push(body);
        const same = body.includes('farmer keeps chickens');
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            id: 'x',
            object: 'chat.completion',
            created: 0,
            model: 'judge',
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content: JSON.stringify({ same, reason: same ? 'identical' : 'differs' }),
                },
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const dir = tempDir();
    mkdirSync(join(dir, 'c'));
    try {
      const r = await runCliAsync(['check', EXAM, '--bench', TOY, '--confirm', 'openai:judge', '--json'], {
        env: {
          HELDOUT_CACHE_DIR: join(dir, 'c'),
          OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
          OPENAI_API_KEY: 'sk-test-secret-123',
        },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).not.toMatch(/sk-test-secret-123/);
      const res = JSON.parse(r.stdout);
      const verbatim = res.items.find((i: { id: string }) => i.id === 'verbatim');
      expect(verbatim.matches[0].confirm).toEqual({ model: 'openai:judge', same: true, reason: 'identical' });
      // One question per text with a match, about its closest item; texts without a match are not asked about.
      const withMatches = res.items.filter((i: { matches: unknown[] }) => i.matches.length > 0);
      expect(withMatches.map((i: { id: string }) => i.id)).toContain('verbatim');
      expect(seen).toHaveLength(withMatches.length);
      for (const i of withMatches) {
        expect(i.matches.some((m: { confirm?: unknown }) => m.confirm !== undefined)).toBe(true);
      }
      // The compared texts are fenced as data.
      expect(seen[0]).toMatch(/```/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('the check request behind the command line', () => {
  const request = () => ({
    exam: join(ROOT, EXAM),
    benches: [`toy=${join(ROOT, 'tests/fixtures/contamination/toy')}`],
    rules: [],
    options: { cacheDir: tempDir() },
  });

  it('reads --rule values: repeatable, comma lists and all; an unknown rule is bad input', () => {
    expect(parseRules([])).toEqual([...RULE_NAMES]);
    expect(parseRules(['palm-8gram-70,gpt3-13gram'])).toEqual(['palm-8gram-70', 'gpt3-13gram']);
    expect(parseRules(['gpt4-50char', 'all'])).toEqual([...RULE_NAMES]);
    expect(() => parseRules(['gpt3-13gram,gpt5'])).toThrow(/unknown rule "gpt5"/);
  });

  it('needs exactly one subject, and --field with --items', async () => {
    await expect(runCheckRequest({ ...request(), exam: undefined })).rejects.toThrow(/nothing to check/);
    await expect(runCheckRequest({ ...request(), items: { file: 'x.jsonl', field: 'q' } })).rejects.toThrow(/not both/);
    await expect(runCheckRequest({ ...request(), exam: undefined, items: { file: 'x.jsonl' } })).rejects.toThrow(
      /--items needs --field/,
    );
  });

  it('--max-contaminated: exit 2 only when more texts are flagged than tolerated', async () => {
    const strict = await runCheckRequest(request());
    const contaminated = strict.result.items.filter((i) => Object.values(i.verdicts).includes('contaminated'));
    expect(contaminated.map((i) => i.id)).toEqual(['verbatim', 'casepunct', 'stem-a', 'stem-b']);
    expect(strict.flagged).toBe(4);
    expect(strict.result.exitCode).toBe(2);
    const tolerant = await runCheckRequest({ ...request(), maxContaminated: strict.flagged });
    expect(tolerant.result.exitCode).toBe(0);
    expect(tolerant.result.contaminated).toBe(true);
    const oneShort = await runCheckRequest({ ...request(), maxContaminated: strict.flagged - 1 });
    expect(oneShort.result.exitCode).toBe(2);
  });
});
