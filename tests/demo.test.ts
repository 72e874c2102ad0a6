import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExam } from '../src/exam/load.js';
import { runDemo } from '../src/pipeline/demo.js';
import type { ReportModel } from '../src/report/model.js';
import { ROOT, runCliAsync, tempDir } from './helpers/cli.js';

/** Dates, durations, versions and temp paths change from run to run; the snapshot keeps everything else. */
function normalise(model: ReportModel, cwd: string): unknown {
  const text = JSON.stringify(model, (key, value) => {
    // A fold holds the same answer views as its question's `answers`: keep their anchors only.
    if (key === 'folds' && Array.isArray(value)) {
      return value.map((f: { answers: { anchor: string }[] }) => ({ ...f, answers: f.answers.map((a) => a.anchor) }));
    }
    if (typeof value === 'string') {
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return '<date>';
      return value.split(cwd).join('<cwd>').split(ROOT.replace(/\/$/, '')).join('<root>');
    }
    if (/(^ms$|Ms$|wallMs|durationMs|Seconds$)/.test(key) && typeof value === 'number') return 0;
    return value;
  });
  const out = JSON.parse(text);
  out.toolVersion = '<version>';
  out.run.toolVersion = '<version>';
  out.run.facts = out.run.facts.filter((f: { key: string }) => !/toolVersion|^sessions|At$/.test(f.key));
  return out;
}

describe('heldout demo', () => {
  it('runs the whole pipeline offline: view model snapshot', async () => {
    const cwd = tempDir('heldout-demo-');
    const lines: string[] = [];
    const res = await runDemo({
      cwd,
      // Nothing pulled and no pack: the check is skipped and the report says how to get benchmarks.
      env: { HELDOUT_BENCH_DIR: join(cwd, 'no-benchmarks'), HELDOUT_PACK_DIR: 'none' },
      log: (l) => lines.push(l),
      now: new Date('2026-11-27T12:00:00Z'),
    });
    expect(res.benchmarks).toEqual([]);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([
      'run',
      'grade',
      'grade',
      'check',
      'score',
      'score',
      'score',
      'agree',
    ]);
    const m = res.model;
    expect(m.models.map((x) => x.label).sort()).toEqual(['adversarial', 'strong', 'weak']);
    expect(m.scoreboard.rows[0].model.label).toBe('strong');
    expect(m.graders.pairs.map((p) => [p.a, p.b])).toEqual([['example-human', 'auto']]);
    expect(m.contamination.note).toMatch(/heldout bench pull gsm8k/);
    expect(m.benchmarks.scatters.map((s) => s.points.length)).toEqual([3, 3]);
    expect(existsSync(join(cwd, 'runs/demo/report.html'))).toBe(true);
    await expect(JSON.stringify(normalise(m, cwd), null, 1)).toMatchFileSnapshot(
      './fixtures/report/demo-model.snap.json',
    );
  }, 120_000);

  it('`heldout demo` prints the report path, summarises each stage, checks offline benchmarks and re-runs cleanly', async () => {
    const cwd = tempDir('heldout-demo-cli-');
    // Our own tiny benchmark: one item repeats an exam question word for word, so the check must flag it.
    const exam = loadExam(join(ROOT, 'exams/heldout-finals-2026-11')).exam;
    const q2 = exam.parts[0].questions[1].text;
    const bench = join(cwd, 'bench', 'gsm8k');
    mkdirSync(bench, { recursive: true });
    writeFileSync(
      join(bench, 'test.jsonl'),
      [
        { question: q2, answer: 'The price was 90 euros. #### 90' },
        {
          question: 'A farmer has 12 cows and buys 5 more. How many cows are there now?',
          answer: '12 + 5 = 17 #### 17',
        },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    const env = {
      HELDOUT_BENCH_DIR: join(cwd, 'empty-cache'),
      HELDOUT_DEMO_BENCH: `mini=${join(bench, 'test.jsonl')}`,
      HELDOUT_PACK_DIR: 'none',
    };
    for (let i = 0; i < 2; i++) {
      const r = await runCliAsync(['demo'], { cwd, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('runs/demo/report.html');
      expect(r.stderr).toMatch(/^run +runs\/demo: 52 answers from 3 example sheets/m);
      expect(r.stderr).toMatch(/^grade +human: imported \d+ unit grades by "example-human"/m);
      expect(r.stderr).toMatch(
        /^check +exams\/heldout-finals-2026-11 against mini \(2 items, path\): 1 of 39 items contaminated, 38 compared and clean/m,
      );
    }
    const html = readFileSync(join(cwd, 'runs/demo/report.html'), 'utf8');
    expect(html).toContain('<h2>Contamination</h2>');
    expect(html).toMatch(/class="tag bad">contaminated</);
    expect(existsSync(join(cwd, 'runs/demo/contamination.json'))).toBe(true);
  }, 180_000);

  it('refuses to delete a runs/demo that it did not write', async () => {
    const cwd = tempDir('heldout-demo-guard-');
    mkdirSync(join(cwd, 'runs/demo'), { recursive: true });
    writeFileSync(join(cwd, 'runs/demo/precious.txt'), 'mine');
    const r = await runCliAsync(['demo'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/runs\/demo exists and is not a demo run/);
    expect(readFileSync(join(cwd, 'runs/demo/precious.txt'), 'utf8')).toBe('mine');
  });
});
