// Checking the shipped 18-question exam against all four benchmarks from the offline pack (no --bench, nothing
// pulled), against the targets: < 2 s cold, < 0.5 s warm. Cold: an empty cache folder (no item, index or
// language cache: the pack is decompressed, verified and parsed, every index built and written). Warm: the caches the
// cold run wrote (the pack file is still read and its sha256 checked). Timed in-process from loading the benchmarks to
// the check's result, after the modules and the exam are loaded. Each measurement runs in its own process so that
// nothing is shared in memory; the warm figure is the median of 5. CPU time is printed too: on a shared machine the
// wall time mostly measures the other processes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const exam = join(root, 'exams/heldout-finals-2026-11');
const names = ['gsm8k', 'math', 'mmlu', 'humaneval'];

async function phase(cacheDir) {
  const { loadBenchmarkSources } = await import('../dist/contamination/bench/load.js');
  const { checkContamination } = await import('../dist/contamination/run-check.js');
  const { loadExam } = await import('../dist/exam/load.js');
  const { examTexts } = await import('../dist/contamination/texts.js');
  const loaded = loadExam(exam);
  const items = examTexts(loaded);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // Nothing pulled: the names resolve to the pack.
  const sources = await loadBenchmarkSources(names, { benchDir: join(cacheDir, 'nothing-pulled') });
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const res = checkContamination({ subject: { kind: 'exam', id: loaded.exam.id, dir: exam }, items }, sources, {
    cacheDir: join(cacheDir, 'index'),
  });
  const t2 = performance.now();
  const c2 = process.cpuUsage(c0);
  const cpu = (c) => (c.user + c.system) / 1000;
  process.stdout.write(
    JSON.stringify({
      loadMs: t1 - t0,
      checkMs: t2 - t1,
      totalMs: t2 - t0,
      loadCpu: cpu(c1),
      totalCpu: cpu(c2),
      origins: sources.map((s) => s.origin),
      items: sources.reduce((s, x) => s + x.items.length, 0),
      questions: loaded.exam.parts.reduce((s, p) => s + p.questions.length, 0),
      units: items.length,
      contaminated: res.summary.contaminated,
    }),
  );
}

function run(cacheDir) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--phase', cacheDir], {
    encoding: 'utf8',
    env: { ...process.env, HELDOUT_CACHE_DIR: cacheDir },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

if (process.argv[2] === '--phase') {
  await phase(process.argv[3]);
} else {
  const base = mkdtempSync(join(tmpdir(), 'heldout-pack-bench-'));
  try {
    const cold = run(base);
    const warms = [1, 2, 3, 4, 5].map(() => run(base));
    const warm = warms.map((w) => w.totalMs).sort((a, b) => a - b)[2];
    const wl = warms.map((w) => w.loadMs).sort((a, b) => a - b)[2];
    const wc = warms.map((w) => w.checkMs).sort((a, b) => a - b)[2];
    console.log(
      `check ${cold.questions} questions (${cold.units} units) against ${names.join(', ')} from the pack (${cold.items} items; origins ${[...new Set(cold.origins)].join(',')}), in-process:`,
    );
    const verdict = (ms, target) =>
      `${ms < target ? 'ok' : 'OVER'} (target < ${target} ms, ${(ms / target).toFixed(2)} of it)`;
    console.log(
      `  cold (no caches):   ${cold.totalMs.toFixed(0).padStart(5)} ms = read pack ${cold.loadMs.toFixed(0)} ms + index build and check ${cold.checkMs.toFixed(0)} ms  ${verdict(cold.totalMs, 2000)}`,
    );
    console.log(
      `  warm (cached index): ${warm.toFixed(0).padStart(4)} ms = read pack ${wl.toFixed(0)} ms + index load and check ${wc.toFixed(0)} ms (median of 5)  ${verdict(warm, 500)}`,
    );
    const wcpu = warms.map((w) => w.totalCpu).sort((a, b) => a - b)[2];
    const wlcpu = warms.map((w) => w.loadCpu).sort((a, b) => a - b)[2];
    console.log(
      `  CPU time (not inflated by other processes): cold ${cold.totalCpu.toFixed(0)} ms (read pack ${cold.loadCpu.toFixed(0)}) ${verdict(cold.totalCpu, 2000)}; warm ${wcpu.toFixed(0)} ms (read pack ${wlcpu.toFixed(0)}) ${verdict(wcpu, 500)}`,
    );
    console.log(
      `  (load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')})`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
