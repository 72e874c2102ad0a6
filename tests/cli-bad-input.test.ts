import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

/**
 * A demanding user's bad input: every failure is one `heldout: error:` line naming the place and the fix, exit 1,
 * never an internal error (exit 3), and no half-written file left behind.
 */
function expectUserError(r: { code: number; stderr: string }, ...parts: (string | RegExp)[]): void {
  expect(r.stderr).not.toMatch(/internal error|\bat .+:\d+:\d+\)|undefined|\[object Object\]/);
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  const err = lines.filter((l) => l.startsWith('heldout: error: '));
  expect(err).toHaveLength(1);
  for (const p of parts) expect(err[0]).toMatch(p);
}

let dir: string;
beforeAll(() => {
  dir = tempDir('heldout-bad-input-');
  cpSync(join(ROOT, 'exams/tiny'), join(dir, 'tiny'), { recursive: true });
  mkdirSync(join(dir, 'rubrics'));
  cpSync(join(ROOT, 'rubrics/tiny.yaml'), join(dir, 'rubrics/tiny.yaml'));
  writeFileSync(join(dir, 'ans.jsonl'), '{"id":"1","answer":"\\\\boxed{6}"}\n');
  writeFileSync(
    join(dir, 'items.jsonl'),
    '{"question":"What is the capital of France and why is it so very important in the history of Europe today?"}\n',
  );
  const r = runCli(['run', 'tiny', '--model', 'replay:ans.jsonl', '--out', 'run'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  expect(runCli(['grade', 'run', '--auto'], { cwd: dir }).code).toBe(0);
  mkdirSync(join(dir, 'a-dir'));
});

const leftovers = () => readdirSync(dir).filter((f) => /\.tmp/.test(f));

describe('output files: a missing directory is created, a directory in the way is a clear error', () => {
  it('check --out into a missing directory writes the file', () => {
    const args = ['check', '--items', 'items.jsonl', '--field', 'question', '--bench', 'b=items.jsonl'];
    const r = runCli([...args, '--bench-field', 'question', '--out', 'new/sub/c.json'], { cwd: dir });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(existsSync(join(dir, 'new/sub/c.json'))).toBe(true);
  });

  it('check --out onto a directory', () => {
    const args = ['check', '--items', 'items.jsonl', '--field', 'question', '--bench', 'b=items.jsonl'];
    const r = runCli([...args, '--bench-field', 'question', '--out', 'a-dir'], { cwd: dir });
    expectUserError(r, /a-dir: .*is a directory/, /--out/);
    expect(leftovers()).toEqual([]);
  });

  it('grades export --csv into a missing directory writes the sheet', () => {
    const r = runCli(['grades', 'export', 'run', '--csv', 'sheets/new/s.csv'], { cwd: dir });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'sheets/new/s.csv'))).toBe(true);
  });

  it('grades export --csv onto a directory', () => {
    expectUserError(runCli(['grades', 'export', 'run', '--csv', 'a-dir'], { cwd: dir }), /a-dir: .*is a directory/);
    expect(leftovers()).toEqual([]);
  });

  it('scan --out onto a directory leaves no temp file', () => {
    const r = runCli(
      [
        'scan',
        '--bench',
        'items.jsonl',
        '--bench-field',
        'question',
        '--corpus',
        'items.jsonl',
        '--field',
        'question',
      ].concat(['--workers', '0', '--out', 'a-dir']),
      { cwd: dir },
    );
    expectUserError(r, /a-dir: .*is a directory/, /--out/);
    expect(leftovers()).toEqual([]);
  });

  it('report -o onto a directory leaves no temp file', () => {
    expectUserError(runCli(['report', 'run', '-o', 'a-dir'], { cwd: dir }), /a-dir: .*is a directory/, /-o/);
    expect(leftovers()).toEqual([]);
  });
});

describe('YAML fields of the wrong type say what they got, not that they are missing', () => {
  it('exam: points: ten', () => {
    mkdirSync(join(dir, 'bad-exam'), { recursive: true });
    cpSync(join(dir, 'tiny/exam.yaml'), join(dir, 'bad-exam/exam.yaml'));
    const yaml = readFileSync(join(dir, 'bad-exam/exam.yaml'), 'utf8').replace('points: 10', 'points: ten');
    writeFileSync(join(dir, 'bad-exam/exam.yaml'), yaml);
    const r = runCli(['exam', 'show', 'bad-exam'], { cwd: dir });
    expectUserError(r, /bad-exam\/exam\.yaml:9:9: /, /points/, /"ten"/);
    expect(r.stderr).not.toMatch(/is required/);
  });

  it('rubric: points: abc', () => {
    writeFileSync(
      join(dir, 'r_bad.yaml'),
      'exam: tiny\nmarking:\n  "1":\n    items:\n      - { id: "1.1", points: abc, criterion: x }\n',
    );
    const r = runCli(['grade', 'run', '--auto', '--rubric', 'r_bad.yaml'], { cwd: dir });
    expectUserError(r, /r_bad\.yaml:5:\d+: /, /points/, /"abc"/);
    expect(r.stderr).not.toMatch(/is required/);
  });
  it('an empty rubric file says it is empty', () => {
    writeFileSync(join(dir, 'r_empty.yaml'), '');
    const r = runCli(['grade', 'run', '--auto', '--rubric', 'r_empty.yaml'], { cwd: dir });
    expectUserError(r, /r_empty\.yaml:1:1: /, /the file is empty/);
  });
});

describe('options', () => {
  it('infini-gram names the flag the user typed', () => {
    const r = runCli(['infini-gram', 'tiny', '--index', 'x', '--min-interval', '-1'], { cwd: dir });
    expectUserError(r, /--min-interval -1/);
    const q = runCli(['infini-gram', 'tiny', '--index', 'x', '--max-queries', '0'], { cwd: dir });
    expectUserError(q, /--max-queries 0/);
  });

  it('a bad option value says how to fix it', () => {
    expectUserError(
      runCli(['run', 'tiny', '--model', 'replay:ans.jsonl', '--samples', '0', '--out', 'r0'], { cwd: dir }),
      /--samples/,
      / — .*heldout run --help/,
    );
    expect(existsSync(join(dir, 'r0'))).toBe(false);
  });

  it('a bad flag is blamed on the command line even when a config file exists', () => {
    const sub = join(dir, 'with-config');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'heldout.config.yaml'), 'run:\n  samples: 2\n');
    const r = runCli(['run', '../tiny', '--model', 'replay:../ans.jsonl', '--temperature', '-1', '--out', 'r1'], {
      cwd: sub,
    });
    expectUserError(r, /^heldout: error: command line: --temperature "-1"/m);
    expect(existsSync(join(sub, 'r1'))).toBe(false);
  });

  it('unknown options and missing arguments are one heldout: error line', () => {
    expectUserError(
      runCli(['agreement', 'run', '--format', 'xml'], { cwd: dir }),
      /unknown option '--format'/,
      /--help/,
    );
    expectUserError(runCli(['grades', 'import', 'run', 'x.csv'], { cwd: dir }), /--grader/, /--help/);
  });
});

describe('bench pull --from', () => {
  it('an empty folder is named as the user gave it, not as the cache temp dir', () => {
    const benchDir = join(dir, 'bench-cache');
    const r = runCli(['bench', 'pull', 'gsm8k', '--from', 'a-dir'], { cwd: dir, env: { HELDOUT_BENCH_DIR: benchDir } });
    expectUserError(r, /^heldout: error: a-dir: /m);
    expect(r.stderr).not.toMatch(/partial/);
  });

  it('a bad line in a local copy is reported at its own file and line', () => {
    mkdirSync(join(dir, 'local-gsm8k/main'), { recursive: true });
    writeFileSync(join(dir, 'local-gsm8k/main/test.jsonl'), '{"question":"q","answer":"a"}\nnot json\n');
    const benchDir = join(dir, 'bench-cache');
    const r = runCli(['bench', 'pull', 'gsm8k', '--from', 'local-gsm8k'], {
      cwd: dir,
      env: { HELDOUT_BENCH_DIR: benchDir },
    });
    expectUserError(r, /^heldout: error: local-gsm8k\/main\/test\.jsonl:2: /m);
    expect(readdirSync(benchDir)).toEqual([]);
  });
});

describe('model specs name the flag they came from', () => {
  it('grade --judge with an unknown provider blames --judge, not --model', () => {
    const dir = tempDir();
    const run = join(dir, 'r');
    const replay = join(dir, 'a.jsonl');
    writeFileSync(replay, `${JSON.stringify({ id: '1', answer: '\\boxed{6}' })}\n`);
    expect(runCli(['run', 'exams/tiny', '--model', `replay:${replay}`, '--out', run]).code).toBe(0);
    const r = runCli(['grade', run, '--judge', 'nope:x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^heldout: error: --judge: unknown model "nope:x"/);
  });
});
