import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExam } from '../src/exam/load.js';
import { ROOT, runCliAsync, tempDir } from './helpers/cli.js';

/**
 * Every hint names a command that works: these tests take the commands from the output (backticks in the
 * terminal, <code> in the report), fill in the placeholders a user would, and run them.
 */

const USAGE_ERROR =
  /unknown (option|command)|missing required argument|too many arguments|choose one way|--help for usage/;

/** `heldout …` commands in backticks, and in "Run: <code>…</code>" boxes of a report. */
function hintedCommands(text: string): string[] {
  const found = [
    ...[...text.matchAll(/`(heldout [^`]+)`/g)].map((m) => m[1]),
    ...[...text.matchAll(/<code>(heldout [^<]+)<\/code>/g)].map((m) =>
      m[1]
        .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
        .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&'),
    ),
  ];
  return [...new Set(found.flatMap((c) => c.split(' && ').map((x) => x.trim())))];
}

/** Our own two-item GSM8K-style file: one item repeats an exam question, so a check on it flags something. */
function writeLocalGsm8k(dir: string): string {
  const exam = loadExam(join(ROOT, 'exams/heldout-finals-2026-11')).exam;
  const local = join(dir, 'local', 'gsm8k');
  mkdirSync(local, { recursive: true });
  writeFileSync(
    join(local, 'test.jsonl'),
    [
      { question: exam.parts[0].questions[1].text, answer: 'The price was 90 euros. #### 90' },
      { question: 'A farmer has 12 cows and buys 5 more. How many cows are there now?', answer: '12 + 5 = 17 #### 17' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  );
  return local;
}

const argv = (cmd: string) => cmd.split(/\s+/).slice(1);

describe('hints name commands that work', () => {
  it('`heldout demo` without benchmarks: following its hints caches one, and the next demo checks against it', async () => {
    const cwd = tempDir('heldout-hints-demo-');
    // No offline pack either (HELDOUT_PACK_DIR=none): the demo must say how to get a benchmark.
    const env = { HELDOUT_BENCH_DIR: join(cwd, 'cache'), HF_ENDPOINT: 'http://127.0.0.1:9', HELDOUT_PACK_DIR: 'none' };
    const first = await runCliAsync(['demo'], { cwd, env });
    expect(first.code, first.stderr).toBe(0);
    const hints = hintedCommands(first.stderr);
    expect(hints.sort()).toEqual(
      ['heldout bench pull gsm8k', 'heldout bench pull gsm8k --from path/to/gsm8k', 'heldout demo'].sort(),
    );
    // The report says the same, without literal backticks.
    const html = readFileSync(join(cwd, 'runs/demo/report.html'), 'utf8');
    expect(html).toContain('heldout bench pull gsm8k --from path/to/gsm8k');
    expect(html).not.toMatch(/`heldout/);
    const local = writeLocalGsm8k(cwd);
    for (const hint of hints.filter((h) => h !== 'heldout demo')) {
      const r = await runCliAsync(argv(hint.replace('path/to/gsm8k', local)), { cwd, env });
      expect(r.stderr, hint).not.toMatch(USAGE_ERROR);
      // Downloading needs the network, which tests do not have (HF_ENDPOINT points at a closed local port).
      if (!hint.includes('--from')) expect(r.stderr).toMatch(/127\.0\.0\.1:9|fetch failed|ECONNREFUSED|network/i);
      else expect(r.code, r.stderr).toBe(0);
    }
    const again = await runCliAsync(['demo'], { cwd, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^check +\S+ against gsm8k \(2 items, cache\): 1 of 39 items contaminated/m);
  }, 240_000);

  it('every "Run:" hint of a report for an ungraded, unchecked run works, in order', async () => {
    const dir = tempDir('heldout-hints-report-');
    const run = join(dir, 'my run');
    cpSync(join(ROOT, 'tests/fixtures/report/tiny-run'), run, { recursive: true });
    writeFileSync(join(run, 'grades.jsonl'), '');
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
    manifest.exam.dir = join(ROOT, 'exams/tiny');
    writeFileSync(join(run, 'manifest.json'), JSON.stringify(manifest));
    const env = { HELDOUT_BENCH_DIR: join(dir, 'cache') };
    const r = await runCliAsync(['report', run, '-o', join(dir, 'report.html')], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const hints = hintedCommands(html).filter((h) => !h.includes('<'));
    // The scoreboard/heatmap/graders hints grade and score; the contamination hint checks and reports.
    expect(hints).toContain("heldout grade 'my run' --auto");
    expect(hints.some((h) => h.startsWith('heldout check '))).toBe(true);
    // The benchmark the check hint names comes from the cache, filled the way the demo's hint says.
    const local = writeLocalGsm8k(dir);
    expect((await runCliAsync(['bench', 'pull', 'gsm8k', '--from', local], { cwd: dir, env })).code).toBe(0);
    writeFileSync(
      join(dir, 'scores.csv'),
      'model,gsm8k,math\nfict-alpha,0.9,0.5\nfict-beta,0.8,0.4\nfict-gamma,0.7,0.3\n',
    );
    for (const hint of hints) {
      // A real shell would strip the quotes around the run directory.
      const args = hint
        .match(/'[^']*'|\S+/g)!
        .slice(1)
        .map((a) => a.replace(/^'|'$/g, ''));
      const res = await runCliAsync(args, { cwd: dir, env });
      expect(res.stderr, hint).not.toMatch(USAGE_ERROR);
      // check exits 2 when it finds contamination; everything else must succeed.
      expect([0, hint.startsWith('heldout check') ? 2 : 0], `${hint}\n${res.stderr}`).toContain(res.code);
    }
    // The hints did their jobs: grades, a check result, and (last) the run's own report with the scatter.
    expect(readFileSync(join(run, 'grades.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThan(5);
    expect(JSON.parse(readFileSync(join(dir, 'contamination.json'), 'utf8')).items.length).toBeGreaterThan(0);
    const after = readFileSync(join(run, 'report.html'), 'utf8');
    expect(after).toMatch(/<circle /);
    expect(after).not.toContain('No scores yet');
  }, 240_000);
});
