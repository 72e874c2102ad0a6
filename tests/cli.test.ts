import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

describe('heldout CLI basics', () => {
  it('prints help and version with exit 0', () => {
    const help = runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: heldout');
    const v = runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 1 on an unknown command or missing argument', () => {
    expect(runCli(['nonsense']).code).toBe(1);
    expect(runCli(['exam', 'lint']).code).toBe(1);
  });

  it('names a missing exam directory', () => {
    const r = runCli(['exam', 'show', 'exams/does-not-exist']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('heldout: error: exams/does-not-exist: exam directory not found\n');
  });

  it('shows an outline with points', () => {
    const r = runCli(['exam', 'show', 'tests/fixtures/lint/ok']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('10 points');
    expect(r.stdout).toMatch(/Part II \(II\) — 6 points · choose 1 of 2 \(best\)/);
    expect(r.stdout).toMatch(/a\)\s+2 pt\s+Find the hypotenuse\./);
  });

  it('loads JSON exams as well as YAML, with positions in errors', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'exam.json'),
      JSON.stringify(
        {
          id: 'j',
          title: 'J',
          language: 'en',
          released: '2026-01-01',
          parts: [{ id: 'I', title: 'I', points: 2, questions: [{ id: '1', number: 1, text: 'x', points: 'two' }] }],
        },
        null,
        2,
      ),
    );
    const r = runCli(['exam', 'show', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exam\.json:\d+:\d+: exam field parts\[0\]\.questions\[0\]\.points/);
  });
});

describe('exam import', () => {
  it('imports a CSV of LaTeX questions (CRLF, quoted multi-line cells) into a skeleton that lint explains', () => {
    const dir = tempDir();
    const rows = Array.from(
      { length: 33 },
      (_, i) => `"Solve $\\frac{${i + 1}}{2}x = 3$, then state, in words, whether x is positive.\r\nGive reasons."`,
    );
    writeFileSync(join(dir, 'q.csv'), `Question\r\n${rows.join('\r\n')}\r\n`);
    const out = join(dir, 'exam');
    const r = runCli(['exam', 'import', join(dir, 'q.csv'), '--field', 'Question', '--id', 'hu-2023', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('33 question(s)');
    const text = readFileSync(join(out, 'exam.yaml'), 'utf8');
    expect(text).toContain('\\frac{33}{2}');
    expect(text).not.toContain('\r');
    const lint = runCli(['exam', 'lint', out, '--json']);
    expect(lint.code).toBe(1);
    const findings = JSON.parse(lint.stdout).findings as { rule: string }[];
    expect(findings.filter((f) => f.rule === 'points-missing')).toHaveLength(33);
    // never overwrites without --force
    expect(
      runCli(['exam', 'import', join(dir, 'q.csv'), '--field', 'Question', '--id', 'hu-2023', '--out', out]).code,
    ).toBe(1);
  });

  it('names the line of a bad row', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'q.csv'), 'Question,Other\nWhat is 1+1?,x\n,y\n');
    const r = runCli([
      'exam',
      'import',
      join(dir, 'q.csv'),
      '--field',
      'Question',
      '--id',
      'x',
      '--out',
      join(dir, 'e'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/q\.csv:3: empty or missing question text/);
  });

  it('names the line of bad JSONL and lists columns when --field is wrong', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'q.jsonl'), '{"q": "a"}\n{"q": \n');
    expect(
      runCli(['exam', 'import', join(dir, 'q.jsonl'), '--field', 'q', '--id', 'x', '--out', join(dir, 'e')]).stderr,
    ).toMatch(/q\.jsonl:2: invalid JSON/);
    writeFileSync(join(dir, 'q2.jsonl'), '{"q": "a"}\n');
    const r = runCli([
      'exam',
      'import',
      join(dir, 'q2.jsonl'),
      '--field',
      'text',
      '--id',
      'x',
      '--out',
      join(dir, 'e'),
    ]);
    expect(r.stderr).toContain('no column "text"');
    expect(r.stderr).toContain('"q"');
  });
});

describe('rubric new', () => {
  it('writes a skeleton with points from the exam and never overwrites without --force', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'exams/ok'), { recursive: true });
    writeFileSync(join(dir, 'exams/ok/exam.yaml'), readFileSync('tests/fixtures/lint/ok/exam.yaml'));
    const r = runCli(['rubric', 'new', 'exams/ok'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'rubrics/ok.yaml'))).toBe(true);
    // The skeleton is unfinished work: its TODO criteria are lint errors, never "clean".
    const lint = runCli(['rubric', 'lint', 'exams/ok'], { cwd: dir });
    expect(lint.code, lint.stdout).toBe(1);
    expect(lint.stdout).toMatch(/still has `rubric new`'s TODO criterion/);
    const again = runCli(['rubric', 'new', 'exams/ok'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    expect(runCli(['rubric', 'new', 'exams/ok', '--force'], { cwd: dir }).code).toBe(0);
  });
});
