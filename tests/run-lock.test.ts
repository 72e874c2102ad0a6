import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExam } from '../src/run/runner.js';
import { loadRunManifest } from '../src/store/run.js';
import { LOCK_FILE } from '../src/store/run-lock.js';
import { ROOT, runCliAsync, tempDir } from './helpers/cli.js';
import { type ModelServer, startModelServer } from './helpers/model-server.js';

const TINY = join(ROOT, 'exams/tiny');
let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(async () => {
  await server.close();
});

const env = (dir: string) => ({
  OPENAI_API_KEY: 'sk-test',
  OPENAI_BASE_URL: server.openaiBaseUrl,
  HELDOUT_CACHE_DIR: join(dir, 'cache'),
});

/** A run that was started and stopped before any call: every item left for --resume. */
async function stoppedRun(dir: string, samples = 4): Promise<string> {
  const out = join(dir, 'run');
  const stop = new AbortController();
  stop.abort();
  await runExam({
    examDir: TINY,
    models: ['openai:gpt-test'],
    out,
    params: { samples },
    stop: stop.signal,
    env: env(dir),
    noCache: true,
  });
  return out;
}

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean);
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

// CLI processes on a shared machine can be slow: a generous limit (the assertions, not the time, are the test).
describe('one writer per run directory', { timeout: 120_000 }, () => {
  it('two `run --resume` at once: one makes the calls, the other stops at once naming the PID that holds the run', async () => {
    const dir = tempDir('heldout-lock-');
    const out = await stoppedRun(dir);
    server.reset();
    server.latencyMs = 150;
    const [a, b] = await Promise.all([
      runCliAsync(['run', '--resume', out, '--no-cache', '--concurrency', '2'], { env: env(dir) }),
      runCliAsync(['run', '--resume', out, '--no-cache', '--concurrency', '2'], { env: env(dir) }),
    ]);
    server.latencyMs = 0;
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toMatch(/the run is in use by another heldout process: PID \d+ \(run --resume, since /);
    expect(loser.stderr).toContain(LOCK_FILE);
    // 3 questions × 4 samples, each asked once.
    expect(server.count).toBe(12);
    expect(lines(join(out, 'responses.jsonl'))).toHaveLength(12);
    const m = loadRunManifest(out);
    expect(m.status).toBe('complete');
    expect(m.sessions).toHaveLength(2);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  it('a lock left by a crashed process (its PID is gone) is taken over, with a warning', async () => {
    const dir = tempDir('heldout-lock-');
    const out = await stoppedRun(dir, 1);
    const pid = deadPid();
    writeFileSync(
      join(out, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), command: 'run --resume', since: '2026-12-01T00:00:00.000Z' }),
    );
    server.reset();
    const r = await runCliAsync(['run', '--resume', out, '--no-cache'], { env: env(dir) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`took over the lock of PID ${pid}`);
    expect(server.count).toBe(3);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  it('graders take the same lock: grade --auto while another process holds the run is refused, exit 1', async () => {
    const dir = tempDir('heldout-lock-');
    const out = await stoppedRun(dir, 1);
    server.reset();
    expect((await runCliAsync(['run', '--resume', out, '--no-cache'], { env: env(dir) })).code).toBe(0);
    // This test process is alive: its PID in the lock means "held".
    writeFileSync(
      join(out, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), command: 'grade --judge', since: new Date().toISOString() }),
    );
    const g = await runCliAsync(['grade', out, '--auto']);
    expect(g.code).toBe(1);
    expect(g.stderr).toContain(`PID ${process.pid} (grade --judge`);
    expect(existsSync(join(out, 'grades.jsonl'))).toBe(false);
    // The lock is not ours to remove: it is still there.
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
  });
});
