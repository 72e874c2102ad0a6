import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/cli.js';

const fx = (name: string) => join('tests/fixtures/lint', name);

interface Finding {
  severity: string;
  rule: string;
  where: string;
  message: string;
}
const lint = (kind: 'exam' | 'rubric', name: string) => {
  const args =
    kind === 'exam'
      ? ['exam', 'lint', fx(name), '--json']
      : ['rubric', 'lint', fx(name), '--rubric', join(fx(name), 'rubric.yaml'), '--json'];
  const r = runCli(args);
  return { ...r, findings: r.stdout ? (JSON.parse(r.stdout).findings as Finding[]) : [] };
};

describe('exam lint', () => {
  it('passes a clean exam and rubric', () => {
    expect(lint('exam', 'ok')).toMatchObject({ code: 0, findings: [] });
    expect(lint('rubric', 'ok')).toMatchObject({ code: 0, findings: [] });
  });

  it.each([
    ['points-question', 'points-sum', 'exam.yaml:24:', '"2" has 6 points but its sub-parts add up to 5'],
    ['points-part', 'points-sum', 'exam.yaml:9:', 'part "I" has 5 points but its questions add up to 4'],
    ['points-exam', 'points-sum', 'exam.yaml:5:', 'the exam has 12 points but its parts add up to 10'],
    ['duplicate-id', 'duplicate-id', 'exam.yaml:28:', 'duplicate id "1"'],
    ['choose-count', 'choose', 'exam.yaml:19:', 'choose 3 of only 2'],
    ['choose-unequal', 'choose', 'exam.yaml:19:', 'different points'],
    ['negative-points', 'schema', 'exam.yaml:14:17', 'points must not be negative'],
    ['empty-text', 'schema', 'exam.yaml:13:', 'text must not be empty'],
    ['zero-points', 'points-missing', 'exam.yaml:14:', 'fill in its points'],
  ])('%s fails with %s', (name, rule, where, message) => {
    const r = lint('exam', name);
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        rule,
        severity: 'error',
        where: expect.stringContaining(where),
        message: expect.stringContaining(message),
      }),
    );
  });

  it('warns (exit 0) when the declared language disagrees with the texts', () => {
    const r = lint('exam', 'language');
    expect(r.code).toBe(0);
    expect(r.findings).toEqual([
      expect.objectContaining({ severity: 'warning', rule: 'language', message: expect.stringContaining('"hu"') }),
    ]);
  });

  it('warns about a question above the documented size limit, and still reads its language from a sample', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heldout-lint-size-'));
    const yaml = readFileSync(join(ROOT, fx('language'), 'exam.yaml'), 'utf8');
    // Repeat the first question's (Hungarian) text past 100 k characters.
    const huge = yaml.replace(
      /(\n\s+text: )(.*)/,
      (_m, head, text) => `${head}${JSON.stringify(`${text} `.repeat(2000))}`,
    );
    writeFileSync(join(dir, 'exam.yaml'), huge);
    const r = runCli(['exam', 'lint', dir, '--json']);
    const findings = JSON.parse(r.stdout).findings as Finding[];
    expect(r.code, r.stderr).toBe(0);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'warning',
          rule: 'question-size',
          message: expect.stringContaining('100 k'),
        }),
        expect.objectContaining({ rule: 'language', message: expect.stringContaining('"hu"') }),
      ]),
    );
  });

  it('reports invalid YAML as one line with file:line:col and exit 1, no stack trace', () => {
    const r = runCli(['exam', 'lint', fx('bad-yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad-yaml\/exam\.yaml:3:\d+: invalid YAML/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('prints a stack trace only with --debug', () => {
    const r = runCli(['exam', 'lint', fx('bad-yaml'), '--debug']);
    expect(r.stderr).toMatch(/HeldoutError/);
  });
});

describe('rubric lint', () => {
  it.each([
    ['rubric-missing', 'rubric-coverage', 'no rubric items for "3"'],
    ['rubric-unknown', 'rubric-unknown-id', '"2c" is not a question or sub-part'],
    ['rubric-parent', 'rubric-unknown-id', '"2" has sub-parts'],
    ['rubric-points', 'rubric-points', 'add up to 5, but the exam gives it 6'],
    ['rubric-requires', 'rubric-ref', 'requires "1.nope"'],
    ['rubric-cycle', 'rubric-ref', 'loop'],
    ['rubric-exam', 'rubric-exam', 'for exam "another", not "ok"'],
    ['rubric-dup-item', 'duplicate-id', 'duplicate rubric id "2b.1"'],
  ])('%s fails with %s', (name, rule, message) => {
    const r = lint('rubric', name);
    expect(r.code).toBe(1);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        rule,
        message: expect.stringContaining(message),
        where: expect.stringMatching(/rubric\.yaml:\d+:\d+$/),
      }),
    );
  });

  it('says where to put a rubric when there is none', () => {
    const r = runCli(['rubric', 'lint', 'tests/fixtures/lint/ok', '--rubric', 'tests/fixtures/lint/ok/nope.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.yaml: rubric file not found');
  });
});

describe('shipped exams', () => {
  it.each(['exams/heldout-finals-2026-11', 'exams/tiny'])('%s lints clean', (dir) => {
    const exam = runCli(['exam', 'lint', dir], { cwd: ROOT });
    expect(exam.code, exam.stdout + exam.stderr).toBe(0);
    const rubric = runCli(['rubric', 'lint', dir], { cwd: ROOT });
    expect(rubric.code, rubric.stdout + rubric.stderr).toBe(0);
    expect(rubric.stdout).not.toContain('warning');
  });
});

describe('rubric lint warnings', () => {
  it('warns when an auto item requires a non-auto item (the automatic check could never award it)', () => {
    const r = lint('rubric', 'rubric-auto-requires');
    expect(r.code).toBe(0);
    expect(r.findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        rule: 'rubric-auto',
        message: expect.stringContaining('"1.ans" requires "1.eq"'),
      }),
    ]);
  });
});
