// `heldout exam lint` on an exam with one huge question (issue 18): a 5 MB question must lint in < 1 s end to end
// (CLI start-up included), and the time must grow linearly (5 MB / 2.5 MB ≈ 2). Before the fix language detection
// read the whole text: 2.5 MB took 9.6 s and 5 MB 24 s. Both YAML styles are measured: a block scalar (`|`, how
// long texts are written) and one double-quoted line (the yaml library builds it a character at a time).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/heldout.js');
const base = readFileSync(join(root, 'exams/tiny/exam.yaml'), 'utf8');
const sentence =
  'A train travels at a constant speed of $v = 60$ km/h; find the value of \\frac{x}{2} after $t$ hours. ';
const tmp = mkdtempSync(join(tmpdir(), 'heldout-lint-bench-'));

function examWith(bytes, style) {
  let text = '';
  while (text.length < bytes) text += sentence;
  text = text.slice(0, bytes);
  const value =
    style === 'block'
      ? `|\n${text
          .match(/.{1,2000}(?: |$)/g)
          .map((l) => `          ${l}`)
          .join('\n')}`
      : JSON.stringify(text);
  const dir = join(tmp, `${style}-${bytes}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'exam.yaml'),
    base.replace(/text: Solve.*/, () => `text: ${value}`),
  );
  return dir;
}

/**
 * Median over `runs` of the CLI's CPU time (user + system, from /usr/bin/time when present) and wall time. CPU time
 * is the figure judged: on a shared machine the wall time also counts the wait for a core.
 */
function lintMs(dir, runs = 3) {
  const cpu = [];
  const wall = [];
  const timed = existsSync('/usr/bin/time');
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const args = [bin, 'exam', 'lint', dir];
    const r = timed
      ? spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...args], { encoding: 'utf8' })
      : spawnSync(process.execPath, args, { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    wall.push(ms);
    const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
    cpu.push(m ? (Number(m[1]) + Number(m[2])) * 1000 : ms);
    if (r.status !== 0 || !/question-size/.test(r.stdout))
      throw new Error(`lint ${dir}: ${r.status} ${r.stdout}${r.stderr}`);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { cpu: median(cpu), wall: median(wall) };
}

try {
  for (const style of ['block', 'double-quoted']) {
    const half = lintMs(examWith(2_500_000, style));
    const full = lintMs(examWith(5_000_000, style));
    const verdict = full.cpu < 1000 ? 'ok (< 1 s)' : 'OVER 1 s';
    console.log(
      `lint, one ${style} question: 2.5 MB ${half.cpu.toFixed(0)} ms, 5 MB ${full.cpu.toFixed(0)} ms CPU ` +
        `(wall ${half.wall.toFixed(0)} / ${full.wall.toFixed(0)} ms; median of 3, CLI start-up included); ` +
        `5 MB / 2.5 MB = ${(full.cpu / half.cpu).toFixed(2)}  ${verdict}`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
