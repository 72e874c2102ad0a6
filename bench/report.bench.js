// Report writing time for a 30-model run (issue 17: < 2 s; it took 1.5 s before folds, the scoreboard's
// statistics and the per-answer audit trail). End to end: read the run, score, agreement, the scoreboard's
// bootstrap and 435 paired tests, render, write. Best and median of 5, in-process after one warm-up; then once
// through the real CLI (a cold process, as a user runs it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeManyModelRun } from './gen-run.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const exam = join(root, 'exams/heldout-finals-2026-11');
const dir = mkdtempSync(join(tmpdir(), 'heldout-report-bench-'));
try {
  const runDir = await writeManyModelRun(dir, { models: 30 });
  const { writeReport } = await import('../dist/pipeline/write-report.js');
  const out = join(dir, 'report.html');
  const times = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    await writeReport(runDir, out, { exam });
    if (i > 0) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const t = performance.now();
  const cli = spawnSync(process.execPath, [join(root, 'bin/heldout.js'), 'report', runDir, '--exam', exam, '-o', out], {
    encoding: 'utf8',
  });
  const cliMs = performance.now() - t;
  if (cli.status !== 0) throw new Error(`heldout report failed: ${cli.stderr}`);
  const size = statSync(out).size;
  console.log(
    `report, 30 models × 18 questions: best ${(times[0] / 1000).toFixed(2)} s, median ${(times[2] / 1000).toFixed(2)} s in-process; ` +
      `${(cliMs / 1000).toFixed(2)} s through the CLI (cold process); ${(size / 1e6).toFixed(1)} MB; target < 2 s: ${cliMs < 2000 && times[2] < 2000 ? 'met' : 'MISSED'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
