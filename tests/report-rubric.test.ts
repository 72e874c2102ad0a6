import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExam, loadRubric } from '../src/exam/load.js';
import { buildRubricPreviewModel, renderRubricPreview } from '../src/report/rubric-preview.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

describe('rubric preview', () => {
  const loaded = loadExam(join(ROOT, 'exams/tiny'));
  const { rubric } = loadRubric(loaded);

  it('builds the exam tree with marking on every unit', () => {
    const m = buildRubricPreviewModel(loaded.exam, rubric, { toolVersion: 'test' });
    expect(m.points).toBe(10);
    expect(m.units).toBe(4);
    expect(m.unitsWithoutMarking).toEqual([]);
    const q2 = m.parts[0].questions[1];
    expect(q2.marking).toBeUndefined();
    expect(q2.children.map((c) => c.label)).toEqual(['2 a', '2 b']);
    expect(q2.children[1].marking?.items.map((i) => i.id)).toEqual(['2b.1', '2b.2', '2b.3']);
    const q1 = m.parts[0].questions[0];
    expect(q1.marking?.caps).toEqual([
      { id: '1.cap', criterion: 'Answer without justification: at most 1 point.', max: 1, unless: ['1.1'] },
    ]);
    expect(q1.answer).toBe('number: 6');
  });

  it('reports units without marking, unknown targets and item sums that do not match', () => {
    const broken = structuredClone(rubric);
    delete broken.marking['3'];
    broken.marking.zz = { items: [{ id: 'zz.1', points: 1, criterion: 'x' }] };
    broken.marking['1'].items[0].points = 5;
    const m = buildRubricPreviewModel(loaded.exam, broken, { toolVersion: 'test' });
    expect(m.unitsWithoutMarking).toEqual(['3']);
    expect(m.unknownTargets).toEqual(['zz']);
    expect(m.parts[0].questions[0].marking).toMatchObject({ mismatch: true, itemPoints: 6 });
  });

  it('renders maths as MathML, criteria, caps and notes, with a no-network CSP and no script', async () => {
    const html = await renderRubricPreview(buildRubricPreviewModel(loaded.exam, rubric, { toolVersion: 'test' }));
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;`,
    );
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).toMatch(/<math[^>]*>/);
    expect(html).toContain('Identifies 6 equally likely outcomes');
    expect(html).toContain('applies unless 1.1 earned');
    expect(html).toContain('Accept x = 6 stated in words.');
  });

  it('`heldout rubric preview` writes the file and prints its path', () => {
    const out = join(tempDir(), 'r.html');
    const r = runCli(['rubric', 'preview', 'exams/heldout-finals-2026-11', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Mathematics finals, middle level');
    // Every formula of the exam and rubric rendered: none failed, none left as source.
    expect(html).not.toMatch(/class="(katex-error|math-src)"/);
    expect((html.match(/<math[\s>]/g) ?? []).length).toBeGreaterThan(100);
  });

  it('a bad exam dir is one clear error', () => {
    const r = runCli(['rubric', 'preview', 'exams/nope', '-o', join(tempDir(), 'x.html')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^heldout: error: .*exams\/nope.*not found/);
  });
});
