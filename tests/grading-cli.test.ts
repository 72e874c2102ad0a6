import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { CHOOSE_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const FINALS = join(ROOT, 'exams/heldout-finals-2026-11');

/** The finals exam answered by the example answer sheets, one "model" per sheet, as `heldout run --model replay:` does. */
function finalsRun(): string {
  const responses = ['strong', 'weak', 'adversarial'].flatMap((name) => {
    const lines = readFileSync(join(ROOT, `examples/answers/${name}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    const answers = new Map(
      lines.map((l) => JSON.parse(l) as { id: string; answer: string }).map((a) => [a.id, a.answer]),
    );
    // Like the replay runner: a question the sheet skips is recorded with an empty answer.
    return Array.from({ length: 18 }, (_, i) => String(i + 1)).map((id) => ({
      model: `replay:${name}`,
      questionId: id,
      unitIds: unitsOf(id),
      text: answers.get(id) ?? '',
    }));
  });
  return writeRun(join(tempDir(), 'finals'), FINALS, responses);
}

const FINALS_UNITS: Record<string, string[]> = {
  '1': ['1a', '1b'],
  '9': ['9a', '9b', '9c'],
  '10': ['10a', '10b'],
  '13': ['13a', '13b', '13c'],
  '14': ['14a', '14b', '14c', '14d'],
  '15': ['15a', '15b', '15c'],
  '16': ['16a', '16b', '16c', '16d'],
  '17': ['17a', '17b', '17c', '17d'],
  '18': ['18a', '18b', '18c', '18d', '18e'],
};
const unitsOf = (q: string) => FINALS_UNITS[q] ?? [q];

describe('grading CLI on the shipped exam', () => {
  it('grade --auto, score --json (the documented shape), agreement', () => {
    const dir = finalsRun();
    const g = runCli(['grade', dir, '--auto']);
    expect(g.stderr).toBe('');
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/auto: checked \d+ unit answers: \d+ correct, \d+ incorrect, \d+ undetermined/);

    const s = runCli(['score', dir, '--json']);
    expect(s.code).toBe(0);
    const report = JSON.parse(s.stdout);
    expect(Object.keys(report)).toContain('models');
    for (const m of report.models) {
      expect(m).toEqual(
        expect.objectContaining({
          model: expect.any(String),
          points: expect.any(Number),
          maxPoints: 100,
          percent: expect.any(Number),
          parts: expect.any(Array),
          questions: expect.any(Array),
        }),
      );
      for (const p of m.parts)
        expect(p).toEqual(
          expect.objectContaining({
            id: expect.any(String),
            points: expect.any(Number),
            maxPoints: expect.any(Number),
          }),
        );
      for (const q of m.questions)
        expect(Object.keys(q)).toEqual(expect.arrayContaining(['id', 'points', 'maxPoints', 'grader']));
      expect(m.parts.reduce((a: number, p: { maxPoints: number }) => a + p.maxPoints, 0)).toBe(100);
    }
    const strong = report.models.find((m: { model: string }) => m.model === 'replay:strong');
    const weak = report.models.find((m: { model: string }) => m.model === 'replay:weak');
    expect(strong.points).toBeGreaterThan(weak.points);
    // Part II/B counts the best two of its three questions.
    const partB = strong.parts.find((p: { id: string }) => p.id === 'IIB');
    expect(partB).toMatchObject({ maxPoints: 34 });
    expect(partB.counted).toHaveLength(2);
    expect(
      strong.questions.filter((q: { id: string; counted: boolean }) => ['16', '17', '18'].includes(q.id) && !q.counted),
    ).toHaveLength(1);
    // Weak skipped questions 15 and 17: unanswered, visible.
    expect(weak.ungraded.unanswered).toBe(2);

    const md = runCli(['score', dir, '--format', 'md']);
    expect(md.stdout).toMatch(/^# Scores: /);
    expect(md.stdout).toContain('| replay:strong |');

    const text = runCli(['score', dir, '--precedence', 'human,robot']);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/--precedence: unknown grader kind "robot"/);

    // Only one grader so far.
    expect(runCli(['agreement', dir]).stdout).toMatch(/1 grader\(s\) found \(auto\); agreement needs two/);
  });

  it('imports the example human grades, then scores by precedence and reports agreement', () => {
    const dir = finalsRun();
    // The example sheet uses the replay model specs of the demo run; rewrite them to this run's model names.
    const sheet = readFileSync(join(ROOT, 'examples/human-grades.csv'), 'utf8').replace(
      /replay:examples\/answers\/(\w+)\.jsonl/g,
      'replay:$1',
    );
    const file = join(dir, 'human.csv');
    writeFileSync(file, sheet);
    expect(runCli(['grade', dir, '--auto']).code).toBe(0);
    const imp = runCli(['grades', 'import', dir, file, '--grader', 'example-human']);
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toMatch(/imported \d+ grades/);
    const report = JSON.parse(runCli(['score', dir, '--json']).stdout);
    expect(
      report.models.some((m: { questions: { grader: string }[] }) => m.questions.some((q) => q.grader === 'human')),
    ).toBe(true);
    const agreement = JSON.parse(runCli(['agreement', dir, '--json']).stdout);
    expect(agreement.graders.map((g: { id: string }) => g.id)).toEqual(['example-human', 'auto']);
    const pair = agreement.pairs[0];
    expect(pair).toMatchObject({ a: 'example-human', b: 'auto' });
    expect(pair.overall.items.n).toBeGreaterThan(0);
    expect(Object.keys(pair.overall.items)).toEqual(['n', 'meanAbsDiff', 'exactAgreement', 'kappa', 'alpha']);
    expect(runCli(['agreement', dir]).stdout).toMatch(/example-human vs auto/);
    const hist = runCli(['grades', 'history', dir, '--json']);
    // One history entry per record in grades.jsonl, in file order.
    const lines = readFileSync(join(dir, 'grades.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(hist.stdout)).toHaveLength(lines.length);
  });
});

describe('grades export / import through the CLI', () => {
  it('round-trips a blind sheet, and a bad sheet imports nothing, naming the row and column', () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [
      { model: 'hidden-model', questionId: '1', unitIds: ['1'], text: 'three x is 18, \\boxed{6}' },
      { model: 'hidden-model', questionId: '3', unitIds: ['3'], text: '\\boxed{5}' },
    ]);
    const file = join(dir, 'sheet.csv');
    const ex = runCli(['grades', 'export', dir, '--csv', file]);
    expect(ex.stdout).toBe(`wrote 4 rows (2 answers) to ${file}\n`);
    expect(readFileSync(file, 'utf8')).not.toContain('hidden-model');
    const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    const filled = rows.map((r) => ({ ...r, points: r.max_points }));
    writeFileSync(file, stringify(filled, { header: true }));
    const imp = runCli(['grades', 'import', dir, file, '--grader', 'ann']);
    expect(imp.stdout).toBe('imported 2 grades (4 rows) by ann; 2 new\n');
    const score = JSON.parse(runCli(['score', dir, '--json']).stdout);
    expect(score.models[0]).toMatchObject({ model: 'hidden-model', points: 5 });

    const bad = filled.map((r, i) => (i === 1 ? { ...r, points: '-1' } : r));
    const badFile = join(dir, 'bad.csv');
    writeFileSync(badFile, stringify(bad, { header: true }));
    const before = readFileSync(join(dir, 'grades.jsonl'), 'utf8');
    const r = runCli(['grades', 'import', dir, badFile, '--grader', 'bob']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^heldout: error: .*bad\.csv: 1 bad row\(s\), nothing imported: row 3, column points \(F\): -1 for item 1\.2 must be between 0 and 1/,
    );
    expect(readFileSync(join(dir, 'grades.jsonl'), 'utf8')).toBe(before);
  });

  it('needs exactly one grading mode and a known run directory', () => {
    expect(runCli(['grade', tempDir(), '--auto']).stderr).toMatch(/not a run directory \(no manifest\.json\)/);
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, []);
    expect(runCli(['grade', dir]).stderr).toMatch(/choose one way to grade/);
    expect(runCli(['grade', dir, '--human']).stderr).toMatch(/--human needs --grader/);
    expect(existsSync(join(dir, 'grades.jsonl'))).toBe(false);
  });
});
