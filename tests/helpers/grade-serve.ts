import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { CHOOSE_EXAM, type ResponseSpec, writeRun } from '../fixtures/grading/make-run.js';
import { BIN, ROOT, tempDir } from './cli.js';

/** Three models × questions 1, 2 (a, b) and 3: twelve units to grade. */
export function gradingRun(extra: ResponseSpec[] = []): string {
  const specs: ResponseSpec[] = [];
  for (const [n, model] of ['secret-model-a', 'secret-model-b', 'secret-model-c'].entries()) {
    specs.push(
      { model, questionId: '1', unitIds: ['1'], text: `Answer ${n + 1}: $3x = 18$, so $x = 6$.` },
      { model, questionId: '2', unitIds: ['2a', '2b'], text: 'a) $\\frac{1}{3}$\n\nb) $[-1, 3]$' },
      { model, questionId: '3', unitIds: ['3'], text: '$2 + 3 = 5$' },
    );
  }
  return writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [...specs, ...extra]);
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `heldout grade serve …` as a real process (the built CLI); resolves once it prints its URL. */
export function serveProcess(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'grade', 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`grade serve printed no URL: ${out}${err}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          child,
          stdout: () => out,
          stderr: () => err,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`grade serve exited ${code}: ${out}${err}`));
    });
  });
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}
