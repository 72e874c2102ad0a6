import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../exam/source.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { CheckInput } from './inputs.js';
import { modelLabel, type ReportModel } from './model.js';

/** The package root: exams/, rubrics/ and examples/ ship next to dist/ and src/. */
export { PACKAGE_ROOT };

export const DEMO_EXAM = 'exams/heldout-finals-2026-11';
export const DEMO_SHEETS = ['strong', 'weak', 'adversarial'] as const;
export const DEMO_HUMAN_GRADES = 'examples/human-grades.csv';
export const DEMO_HUMAN = 'example-human';

/** Fictional public scores for the three example sheets (they are not models): enough to draw the analysis. */
export const DEMO_BENCHMARK_SCORES_FILE = 'examples/benchmark-scores.csv';

export interface DemoOptions {
  /** Where runs/demo goes (default: the working directory). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
  now?: Date;
}

export interface DemoResult {
  runDir: string;
  reportFile: string;
  model: ReportModel;
  benchmarks: string[];
}

/**
 * Benchmarks available without a network: `HELDOUT_DEMO_BENCH` (comma-separated `label=path`, for development
 * and CI) and whatever `heldout bench pull` put in the cache.
 */
export function offlineBenchmarks(
  env: Record<string, string | undefined>,
  cacheDir: string,
  known: readonly string[],
): string[] {
  const specs = (env.HELDOUT_DEMO_BENCH ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const labels = new Set(specs.map((s) => (s.includes('=') ? s.slice(0, s.indexOf('=')) : s)));
  for (const name of known) if (!labels.has(name) && existsSync(join(cacheDir, name))) specs.push(name);
  return specs;
}

/**
 * `heldout demo`: the whole pipeline on what ships, offline and without keys. Run the shipped exam on the
 * example answer sheets (replay), grade automatically, import the example human grades, score, measure
 * agreement, check contamination against every benchmark at hand, and write runs/demo/report.html.
 */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const cwd = opts.cwd ?? process.cwd();
  const root = PACKAGE_ROOT;
  const examDir = join(root, DEMO_EXAM);
  const runDir = resolve(cwd, 'runs', 'demo');

  // Re-runnable: the demo owns runs/demo. Anything else there is not ours to delete.
  if (existsSync(runDir)) {
    if (!existsSync(join(runDir, 'manifest.json')) && !existsSync(join(runDir, 'report.html'))) {
      throw new HeldoutError('runs/demo exists and is not a demo run', {
        where: displayPath(runDir),
        hint: 'move it away, then run the demo again',
      });
    }
    rmSync(runDir, { recursive: true, force: true });
  }

  const { runExam } = await import('../run/runner.js');
  const models = DEMO_SHEETS.map((s) => `replay:examples/answers/${s}.jsonl`);
  const run = await runExam({ examDir, models, out: runDir, cwd: root, noCache: true, env: {} });
  recordAbsoluteExamDir(runDir, examDir, cwd, root);
  const answered = run.perModel.map((m) => `${modelLabel(m.model)} ${m.answered}`);
  log(
    `run      ${displayPath(runDir)}: ${run.counts.answered} answers from ${models.length} example sheets (${answered.join(', ')}), ${run.counts.missing} missing`,
  );

  const ctxOpts = { exam: examDir };
  const { gradeRunAuto } = await import('../grading/run-grading.js');
  const auto = gradeRunAuto(runDir, ctxOpts);
  log(
    `grade    auto: ${auto.graded} unit answers checked, ${auto.correct} correct final answers, ${auto.skipped} units without an automatic check`,
  );

  const humanFile = join(root, DEMO_HUMAN_GRADES);
  if (existsSync(humanFile)) {
    const { importGradingSheet } = await import('../grading/sheet.js');
    const imported = importGradingSheet(runDir, humanFile, {
      ...ctxOpts,
      grader: DEMO_HUMAN,
      now: () => (opts.now ?? new Date()).toISOString(),
    });
    log(
      `grade    human: imported ${imported.grades} unit grades by "${DEMO_HUMAN}" (fictional example grades) from ${DEMO_HUMAN_GRADES}`,
    );
  } else {
    log(`grade    human: ${DEMO_HUMAN_GRADES} not found; skipped`);
  }

  const { benchCacheDir, KNOWN_BENCHMARKS, loadBenchmarkSources } = await import('../contamination/benchmarks.js');
  const specs = offlineBenchmarks(env, benchCacheDir(env as NodeJS.ProcessEnv), KNOWN_BENCHMARKS);
  let check: CheckInput | undefined;
  let checkNote: string | undefined;
  if (specs.length) {
    const { checkContamination } = await import('../contamination/run-check.js');
    const { examTexts, runAnswerTexts } = await import('../contamination/texts.js');
    const { loadExam } = await import('../exam/load.js');
    const { examHash } = await import('../exam/model.js');
    const loaded = loadExam(examDir);
    const sources = await loadBenchmarkSources(specs, { cwd });
    const { file, answers } = runAnswerTexts(runDir);
    const result = checkContamination(
      {
        subject: { kind: 'exam', id: loaded.exam.id, hash: examHash(loaded.exam), dir: DEMO_EXAM },
        items: examTexts(loaded),
        answers,
        run: { file },
      },
      sources,
    );
    check = result;
    const { writeFileAtomic } = await import('../store/write-file.js');
    writeFileAtomic(join(runDir, 'contamination.json'), `${JSON.stringify(result, null, 2)}\n`);
    log(
      `check    ${sources.map((s) => `${s.label} (${s.items.length} items)`).join(', ')}: ${result.summary.contaminated} of ${result.summary.items} exam items contaminated, ` +
        `${result.summary.answers?.contaminated ?? 0} of ${result.summary.answers?.total ?? 0} answers reproduce a benchmark solution`,
    );
  } else {
    // The demo takes its benchmarks from the cache: the hint says how to fill it, not `--bench` (demo has none).
    checkNote =
      'No benchmark was available offline, so the exam was not checked. Cache one with: heldout bench pull gsm8k (or, from a local copy: heldout bench pull gsm8k --from path/to/gsm8k), then run heldout demo again.';
    log(
      'check    skipped: no benchmark cached; cache one with `heldout bench pull gsm8k` (or, from a local copy, `heldout bench pull gsm8k --from path/to/gsm8k`), then run `heldout demo` again',
    );
  }

  const { writeFileAtomic } = await import('../store/write-file.js');
  const scoresFile = join(runDir, 'benchmark-scores.csv');
  writeFileAtomic(scoresFile, readFileSync(join(root, DEMO_BENCHMARK_SCORES_FILE), 'utf8'));
  const { writeReport } = await import('./report-file.js');
  const { file, model } = await writeReport(runDir, join(runDir, 'report.html'), {
    ...ctxOpts,
    benchmarksFile: scoresFile,
    check,
    checkFile: check ? join(runDir, 'contamination.json') : undefined,
    checkNote,
    fictional: [
      `The public benchmark scores (${displayPath(scoresFile)}) are fictional example scores for the example answer sheets, which are not models.`,
    ],
    now: opts.now,
  });
  for (const row of model.scoreboard.rows) {
    log(
      `score    ${row.model.label.padEnd(12)} ${String(row.points).padStart(5)} / ${row.maxPoints}  (${row.percent.toFixed(1)}%)`,
    );
  }
  for (const p of model.graders.pairs) {
    log(
      `agree    ${p.a} vs ${p.b}: items exact ${fmtRatio(p.items.exactAgreement)}, κ ${fmtNum(p.items.kappa)} (n = ${p.items.n})`,
    );
  }
  return { runDir, reportFile: file, model, benchmarks: specs };
}

const fmtRatio = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`);
const fmtNum = (v: number | null) => (v === null ? '–' : v.toFixed(2));

/**
 * The run records its exam relative to where it ran (the package root, for the replay paths). Run from anywhere
 * else, `heldout score runs/demo` and the other hinted commands would not find it: record the absolute path.
 */
function recordAbsoluteExamDir(runDir: string, examDir: string, cwd: string, root: string): void {
  if (resolve(cwd) === resolve(root)) return;
  const file = join(runDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.exam = { ...manifest.exam, dir: examDir };
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}
