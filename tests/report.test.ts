import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReportModel, SECTION_TITLES } from '../src/report/model.js';
import { renderReport } from '../src/report/render.js';
import { redactParams } from '../src/report/run-facts.js';
import { tinyInputs } from './fixtures/report/inputs.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const FIX = join(ROOT, 'tests/fixtures/report');

const inputs = await tinyInputs();

describe('report view model (tiny-run fixture)', () => {
  const model = buildReportModel(inputs);

  it('ranks models by score, with part subtotals and a percent interval for the sampled model', () => {
    const percents = model.scoreboard.rows.map((r) => r.percent);
    expect(percents).toEqual([...percents].sort((x, y) => y - x));
    expect(model.scoreboard.rows.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    const alpha = model.scoreboard.rows.find((r) => r.model.label === 'fict-alpha')!;
    expect(alpha.samples).toBe(3);
    expect(alpha.ci!.low).toBeLessThanOrEqual(alpha.percent);
    expect(alpha.ci!.high).toBeGreaterThanOrEqual(alpha.percent);
    expect(alpha.ci!.high).toBeLessThanOrEqual(100);
    expect(alpha.parts.map((p) => [p.id, p.maxPoints])).toEqual([
      ['I', 7],
      ['II', 3],
    ]);
    expect(model.scoreboard.anySamples).toBe(true);
  });

  it('links every heatmap cell to an answer anchor that exists', () => {
    // Cells link to the fold of that model's answers to the question (every sample inside it).
    const anchors = new Set(model.answers.questions.flatMap((q) => q.folds.map((f) => f.anchor)));
    const cells = model.questions.rows.flatMap((r) => r.cells);
    expect(cells).toHaveLength(6 * 3);
    for (const c of cells) expect(anchors.has(c.href!.slice(1))).toBe(true);
    const eps = model.questions.rows.find((r) => r.model.label === 'fict-epsilon')!;
    expect(eps.cells.map((c) => c.fraction)).toEqual([0, 0.2, 1 / 3]);
  });

  it('shows each grader per rubric item and highlights disagreements (not the auto check on non-auto items)', () => {
    const q3 = model.answers.questions.find((q) => q.id === '3')!;
    const hostile = q3.answers.find((a) => a.model.label === 'hostile')!;
    expect(hostile.disagree).toBe(true);
    const unit = hostile.units[0];
    expect(unit.graders.map((g) => g.id)).toEqual(['auto', 'judge:openai:fict-judge', 'example-human']);
    expect(unit.items.find((i) => i.id === '3.2')).toMatchObject({ disagree: true });
    expect(unit.items.find((i) => i.id === '3.1')).toMatchObject({ disagree: false });
    const alpha = model.answers.questions[0].answers.find((a) => a.model.label === 'fict-alpha' && a.sample === 0)!;
    expect(alpha.disagree).toBe(false);
    expect(alpha.units[0].items.find((i) => i.id === '1.1')!.awards[0].points).toBeUndefined();
  });

  it('puts judge-vs-human agreement first', () => {
    expect(model.graders.pairs[0]).toMatchObject({ judgeVsHuman: true });
    expect(model.graders.pairs.map((p) => `${p.a}|${p.b}`).sort()).toEqual(
      ['example-human|auto', 'example-human|judge:openai:fict-judge', 'judge:openai:fict-judge|auto'].sort(),
    );
  });

  it('lists contamination verdicts per rule, the matched item side by side, and the flagged answer', () => {
    const c = model.contamination;
    expect(c.rules).toEqual(['gpt3-13gram', 'palm-8gram-70', 'gpt4-50char']);
    expect(c.contaminated).toBe(1);
    const row = c.rows[0];
    expect(row).toMatchObject({ id: '1', contaminated: true, templateMatch: true });
    expect(row.matches).toHaveLength(1);
    expect(row.matches[0].rules).toEqual(['palm-8gram-70', 'template']);
    expect(row.matches[0].benchmark!.filter((s) => s.shared).map((s) => s.text)).toEqual([
      'Solve the equation 3x - 7 = 11 on the set of real numbers',
    ]);
    expect(c.rows[3].verdicts[0]).toEqual({
      rule: 'gpt3-13gram',
      verdict: 'not-comparable',
      reason: 'shorter than 13 words',
    });
    expect(c.flaggedAnswers).toHaveLength(1);
    expect(c.flaggedAnswers[0]).toMatchObject({ model: 'hostile', questionId: '1', rules: ['palm-8gram-70'] });
    const hostile1 = model.answers.questions[0].answers.find((a) => a.model.label === 'hostile')!;
    expect(hostile1.reproduces).toEqual(['fixturebench/test:17']);
    // The answer's fold and the per-model list say so too, not only the answer itself.
    const fold = model.answers.questions[0].folds.find((f) => f.model.label === 'hostile')!;
    expect(fold.tags.map((t) => t.text)).toContain('reproduces a benchmark');
    const byModel = model.byModel.find((m) => m.model.label === 'hostile')!;
    expect(byModel.entries.find((e) => e.label === '1')!.state).toContain('reproduces a benchmark');
  });

  it('flags the model whose public score overstates its exam score', () => {
    const [gsm8k, mathScatter] = model.benchmarks.scatters;
    expect(gsm8k.metric).toBe('gsm8k');
    expect(mathScatter.metric).toBe('math');
    expect(gsm8k.points.filter((p) => p.flagged).map((p) => p.model.label)).toEqual(['fict-epsilon']);
    expect(gsm8k.points.find((p) => p.model.label === 'fict-epsilon')!.x).toBeCloseTo(95, 9);
    expect(model.benchmarks.missingModels.map((m) => m.label)).toEqual(['hostile']);
    expect(model.benchmarks.unmatchedCsv).toEqual(['not-in-this-run']);
  });

  it('never shows a secret from the manifest', () => {
    const text = JSON.stringify(model.run);
    expect(text).not.toMatch(/sk-should-never-show|abcdefghijklmnop|t-secret-value|apiKey|Authorization/i);
    expect(model.run.params.map((p) => p.key)).toContain('temperature');
    expect(model.run.examChanged).toBe(false);
  });

  it('redacts secret-looking keys and values at any depth', () => {
    const rows = redactParams({
      temperature: 0,
      OPENAI_API_KEY: 'x',
      nested: { access_token: 'y', header: 'Bearer 0123456789abcdef', fine: 'ok', key: 'z', monkey: 'kept' },
      list: ['a', 'sk-abcdefghijklmnopqrstu'],
    });
    expect(rows).toEqual([
      { key: 'temperature', value: '0' },
      { key: 'nested.fine', value: 'ok' },
      { key: 'nested.monkey', value: 'kept' },
      { key: 'list', value: 'a' },
    ]);
  });

  it('says which command produces a section that has no data', () => {
    const bare = buildReportModel({
      ...inputs,
      grades: [],
      score: undefined,
      agreement: undefined,
      check: undefined,
      benchmarks: undefined,
    });
    expect(bare.scoreboard.empty?.command).toMatch(/heldout grade .* heldout score/);
    // No pull needed: check uses the offline pack.
    expect(bare.contamination.empty?.command).toMatch(
      /heldout check \S+ --run \S+ --out contamination\.json && heldout report .* --check contamination\.json/,
    );
    expect(bare.benchmarks.empty?.command).toMatch(/--benchmarks-file/);
    expect(bare.graders.empty?.command).toMatch(/heldout grade/);
  });
});

describe('report HTML', () => {
  it('is one self-contained page with every section, a no-network CSP and only the hashed navigation script', async () => {
    const html = await renderReport(buildReportModel(inputs));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    for (const title of Object.values(SECTION_TITLES)) expect(html).toContain(`<h2>${title}</h2>`);
    expect(html).not.toMatch(/<link|<iframe|<img|<svg onload|@import|url\(http/i);
    // One script: ours, allowed by its hash and nothing else.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).toContain('{{constructor}} {{#each this}}{{this}}{{/each}}');
    expect(html).toContain('suspected benchmark overfitting');
    expect(html).toMatch(/<circle [^>]*>/);
  });
});

describe('heldout report', () => {
  it('writes the report for a run directory and prints its path', () => {
    const dir = tempDir();
    cpSync(join(FIX, 'tiny-run'), join(dir, 'tiny-run'), { recursive: true });
    const out = join(dir, 'out.html');
    const r = runCli([
      'report',
      join(dir, 'tiny-run'),
      '--exam',
      'exams/tiny',
      '--check',
      join(FIX, 'check.json'),
      '--benchmarks-file',
      join(FIX, 'benchmarks.csv'),
      '-o',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('fict-epsilon');
    expect(html).toContain('suspected benchmark overfitting');
    expect(html).toContain('<h2>Contamination</h2>');
  });

  it('rejects a bad benchmarks CSV with file and line', () => {
    const dir = tempDir();
    const csv = join(dir, 'scores.csv');
    writeFileSync(csv, 'model,gsm8k\nfict-alpha,0.9\nfict-beta,lots\n');
    const r = runCli([
      'report',
      join(FIX, 'tiny-run'),
      '--exam',
      'exams/tiny',
      '--benchmarks-file',
      csv,
      '-o',
      join(dir, 'x.html'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^heldout: error: .*scores\.csv:3: gsm8k: "lots" is not an accuracy/);
  });

  it('rejects a file that is not a check result', () => {
    const dir = tempDir();
    const bad = join(dir, 'c.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = runCli([
      'report',
      join(FIX, 'tiny-run'),
      '--exam',
      'exams/tiny',
      '--check',
      bad,
      '-o',
      join(dir, 'x.html'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/c\.json: not a `heldout check --json` result/);
  });
});
