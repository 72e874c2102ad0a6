// Contamination index: build time and memory for GSM8K, MATH, MMLU and HumanEval (train + test, every file in
// ../shared/benchmarks), cold (no cache) and warm (cached index load), and the time to check the shipped exam
// against all four once the indexes are cached (target: under 1 s), in-process and through the real CLI.
// Each phase runs in its own process so memory figures do not mix.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(root, '../shared/benchmarks');
const names = ['gsm8k', 'math', 'mmlu', 'humaneval'];
const exam = join(root, 'exams/heldout-finals-2026-11');
const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;

async function phase(kind, cacheDir) {
  const { loadBenchmarkSources } = await import('../dist/contamination/bench/load.js');
  const { checkContamination } = await import('../dist/contamination/run-check.js');
  const { indexSpecs, RULE_NAMES } = await import('../dist/contamination/check/rules.js');
  const { prepareSource } = await import('../dist/contamination/check/prepare.js');
  const { sourceLanguage } = await import('../dist/contamination/text/language.js');
  const { loadExam } = await import('../dist/exam/load.js');
  const { examTexts } = await import('../dist/contamination/texts.js');
  const out = { kind };
  let t = performance.now();
  const sources = await loadBenchmarkSources(
    names.map((n) => join(shared, n)),
    { itemCacheDir: join(dirname(cacheDir), 'items') },
  );
  out.loadMs = performance.now() - t;
  out.items = sources.reduce((s, x) => s + x.items.length, 0);
  if (kind === 'check') {
    const loaded = loadExam(exam);
    const items = examTexts(loaded);
    t = performance.now();
    const res = checkContamination({ subject: { kind: 'exam', id: loaded.exam.id, dir: exam }, items }, sources, {
      cacheDir,
    });
    out.checkMs = performance.now() - t;
    out.examItems = items.length;
    out.questions = loaded.exam.parts.reduce((s, p) => s + p.questions.length, 0);
    out.contaminated = res.summary.contaminated;
  } else {
    // Every index the check can use: questions and solutions, all rules, n = 13 (plus the 8-gram and template ones).
    out.perSource = {};
    t = performance.now();
    for (const s of sources) {
      const t0 = performance.now();
      const lang = sourceLanguage(s);
      const specs = [
        ...indexSpecs('text', 13, [...RULE_NAMES], {}),
        ...indexSpecs('solution', 13, [...RULE_NAMES], {}),
      ];
      const events = [];
      prepareSource(s, specs, { cacheDir, onIndex: (e) => events.push(e.status) }, lang);
      out.perSource[s.label] = { ms: performance.now() - t0, indexes: events.length, status: [...new Set(events)] };
    }
    out.indexMs = performance.now() - t;
  }
  globalThis.gc?.();
  const mem = process.memoryUsage();
  out.rss = mem.rss;
  out.heapUsed = mem.heapUsed;
  out.arrayBuffers = mem.arrayBuffers;
  out.maxRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify(out));
}

function runPhase(kind, cacheDir) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--phase', kind, cacheDir], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${kind} phase failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

if (process.argv[2] === '--phase') {
  await phase(process.argv[3], process.argv[4]);
} else if (!existsSync(join(shared, 'gsm8k/test.jsonl'))) {
  console.log(`skipped: ${shared} is missing`);
} else {
  const base = mkdtempSync(join(tmpdir(), 'heldout-index-bench-'));
  // The CLI reads $HELDOUT_CACHE_DIR/index.
  const cacheDir = join(base, 'index');
  try {
    const cold = runPhase('cold', cacheDir);
    const warm = runPhase('warm', cacheDir);
    const bytes = readdirSync(cacheDir).reduce((s, f) => s + statSync(join(cacheDir, f)).size, 0);
    console.log(
      `benchmarks: ${names.join(', ')} (all splits), ${cold.items} items; read + parse ${cold.loadMs.toFixed(0)} ms cold, ${warm.loadMs.toFixed(0)} ms from the parsed-file cache`,
    );
    for (const [label, x] of Object.entries(cold.perSource)) {
      console.log(`  cold ${label.padEnd(10)} ${x.indexes} indexes in ${x.ms.toFixed(0).padStart(5)} ms`);
    }
    const line = (name, p, ms) =>
      console.log(
        `${name.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms   RSS ${mb(p.rss)} (peak ${mb(p.maxRss)}), heap ${mb(p.heapUsed)}, typed arrays ${mb(p.arrayBuffers)}`,
      );
    line('index build, cold (no cache)', cold, cold.indexMs);
    line('index load, warm (cached)', warm, warm.indexMs);
    console.log(`index cache on disk: ${mb(bytes)} in ${readdirSync(cacheDir).length} files`);
    console.log(
      `(load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${(await import('node:os')).cpus().length} cores)`,
    );
    const checks = [1, 2, 3].map(() => runPhase('check', cacheDir));
    const c = checks[checks.length - 1];
    const inproc = median(checks.map((x) => x.loadMs + x.checkMs));
    console.log(
      `check ${c.questions} questions (${c.examItems} items) in-process: ${inproc.toFixed(0)} ms (load benchmarks ${median(checks.map((x) => x.loadMs)).toFixed(0)} ms + check ${median(checks.map((x) => x.checkMs)).toFixed(0)} ms), median of 3`,
    );
    const bin = join(root, 'bin/heldout.js');
    const args = ['check', exam, ...names.flatMap((n) => ['--bench', join(shared, n)]), '--json'];
    const ms = [];
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [bin, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, HELDOUT_CACHE_DIR: base, NO_COLOR: '1' },
        maxBuffer: 1 << 26,
      });
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 0 && r.status !== 2) throw new Error(`heldout check exited ${r.status}: ${r.stderr}`);
    }
    const cli = median(ms);
    console.log(
      `heldout check (real CLI, end to end, warm): ${cli.toFixed(0)} ms (median of 5)${cli < 1000 ? '  ok (< 1 s)' : '  OVER 1 s'}`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
