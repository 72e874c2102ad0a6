// Start-up time of the CLI: `heldout --help` and `heldout exam lint` must start in under 0.5 s.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/heldout.js');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(args, runs = 9) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0 && r.status !== 1) throw new Error(`heldout ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return median(ms);
}

const bare = time(['-e', '0'].length ? [] : [], 1); // warm the file cache
void bare;
const nodeOnly = (() => {
  const ms = [];
  for (let i = 0; i < 9; i++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(ms);
})();
const rows = [
  ['node -e 0 (floor)', nodeOnly],
  ['heldout --help', time(['--help'])],
  ['heldout --version', time(['--version'])],
  ['heldout exam lint exams/tiny', time(['exam', 'lint', 'exams/tiny'])],
  ['heldout rubric lint exams/tiny', time(['rubric', 'lint', 'exams/tiny'])],
];
for (const [name, ms] of rows) {
  const verdict = name.startsWith('node') ? '' : ms < 500 ? '  ok (< 500 ms)' : '  OVER 500 ms';
  console.log(`${name.padEnd(34)} ${ms.toFixed(0).padStart(5)} ms (median of 9)${verdict}`);
}
