import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SessionView, type SessionWire, sessionFromWire } from '../../src/grading/web/protocol.js';
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

/** A 2×2 red PNG, written by hand. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);
/** An SVG figure that tries to run script three ways; shown as an image, none of them may. */
export const HOSTILE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20" onload="top.__pwned=1">' +
  '<script>top.__pwned=1</script><rect width="60" height="20" fill="#36c"/>' +
  '<image href="javascript:top.__pwned=1" width="1" height="1"/></svg>';

/** The grading run on a copy of the exam with a PNG figure on question 1 and a hostile SVG on sub-part 2b. */
export function figureRun(): string {
  const exam = join(tempDir(), 'exam');
  cpSync(CHOOSE_EXAM, exam, { recursive: true });
  mkdirSync(join(exam, 'figures'));
  writeFileSync(join(exam, 'figures/scale.png'), PNG);
  writeFileSync(join(exam, 'figures/line.svg'), HOSTILE_SVG);
  const yaml = readFileSync(join(exam, 'exam.yaml'), 'utf8')
    .replace(
      '        text: Solve the equation $3x - 7 = 11$.\n',
      '        text: Solve the equation $3x - 7 = 11$.\n        figures: [{ file: figures/scale.png, alt: "A balance <b>scale</b>." }]\n',
    )
    .replace(
      'points: 2, reference: "[-1, 3]"',
      'figures: [{ file: figures/line.svg, alt: "A number line from -3 to 5." }, { file: figures/gone.png, alt: "A missing plot." }], points: 2, reference: "[-1, 3]"',
    );
  if (!yaml.includes('line.svg') || !yaml.includes('scale.png')) throw new Error('the fixture exam changed');
  writeFileSync(join(exam, 'exam.yaml'), yaml);
  return writeRun(join(tempDir(), 'run'), exam, [
    { model: 'm', questionId: '1', unitIds: ['1'], text: '$x = 6$' },
    { model: 'm', questionId: '2', unitIds: ['2a', '2b'], text: 'a) $\\frac{1}{3}$\n\nb) $[-1, 3]$' },
  ]);
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

/** `api/session` as the page reads it (the queue arrives compact). */
export async function getSession(url: string): Promise<SessionView> {
  return sessionFromWire(await getJson<SessionWire>(`${url}api/session`));
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}
