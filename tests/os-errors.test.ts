import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { osErrorToUserError } from '../src/cli/os-errors.js';
import { JsonlWriter } from '../src/io/jsonl.js';
import { TINY_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { BIN, ROOT, runCli, tempDir } from './helpers/cli.js';

const REPLAY = join(ROOT, 'examples/answers/strong.jsonl');
const TINY = join(ROOT, 'exams/tiny');

/** Runs the CLI with its stdout closed by the reader before it writes (`heldout … | head -0`). */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stderr }));
  });
}

// CLI processes on a shared machine can be slow: a generous limit (the assertions, not the time, are the test).
describe('OS errors are user errors', { timeout: 120_000 }, () => {
  it('--out under a file: one line naming the path and the cause, exit 1 (was exit 3, "report it as a bug")', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'afile'), 'x');
    const r = runCli(['run', TINY, '--model', `replay:${REPLAY}`, '--out', join(dir, 'afile', 'run')]);
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^heldout: error: .*afile\/run: a part of the path is a file, not a folder \(ENOTDIR/);
    expect(r.stderr).not.toMatch(/internal error|bug/);
  });

  it('maps real system errors: ENOSPC (/dev/full), ENOTDIR, EEXIST, EACCES', async () => {
    const { writeFileSync: write, mkdirSync: mkdir } = await import('node:fs');
    const caught = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      throw new Error('no error');
    };
    // A full disk while appending answers: the error names the file being written.
    const full = osErrorToUserError(caught(() => new JsonlWriter('/dev/full').append({ id: 1 })));
    expect(full?.format()).toMatch(/^\/dev\/full: no space left on the device \(ENOSPC/);
    expect(full?.exitCode).toBe(1);
    const dir = tempDir();
    write(join(dir, 'f'), '');
    expect(osErrorToUserError(caught(() => mkdir(join(dir, 'f', 'g'))))?.format()).toMatch(/f\/g: .*ENOTDIR/);
    expect(osErrorToUserError(caught(() => mkdir(dir)))?.format()).toMatch(/already exists \(EEXIST/);
    // An error wrapped by a library keeps its system error as `cause`.
    const eacces = Object.assign(new Error('EACCES: permission denied'), {
      code: 'EACCES',
      path: '/x/y',
      syscall: 'open',
    });
    expect(osErrorToUserError(new Error('write failed', { cause: eacces }))?.format()).toMatch(
      /^\/x\/y: permission denied \(EACCES on open\)/,
    );
    expect(osErrorToUserError(new TypeError('x'))).toBeUndefined();
  });

  it('refuses /proc and /sys as outputs before reaching them (a write under /proc spins Node at 100% CPU)', () => {
    const run = writeRun(join(tempDir(), 'r'), TINY_EXAM, [{ model: 'm', questionId: '1', unitIds: ['1'], text: '6' }]);
    for (const [args, path] of [
      [['run', TINY, '--model', `replay:${REPLAY}`, '--out', '/proc/self/heldout-run'], '/proc/self/heldout-run'],
      [['grades', 'export', run, '--csv', '/sys/kernel/sheet.csv'], '/sys/kernel/sheet.csv'],
    ] as const) {
      const r = runCli([...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${path}: refusing to write under /${path.split('/')[1]}`);
    }
  });

  it('ends quietly when its output is closed (`heldout check --help | head -1`)', async () => {
    for (const args of [['check', '--help'], ['--help'], ['runs', 'list', '--dir', ROOT]]) {
      const r = await withClosedStdout(args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code).toBe(0);
    }
  });
});
