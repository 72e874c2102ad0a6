import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { CheckInput } from '../report/inputs.js';
import type { ReportModel } from '../report/model.js';
import { modelLabel } from '../report/model-names.js';
import { loadRunManifest, writeRunManifest } from '../store/run.js';
import type { ReportLoadOptions } from './report-inputs.js';

/** The package root: exams/, rubrics/ and examples/ ship next to dist/ and src/. */
export { PACKAGE_ROOT };

export const DEMO_EXAM = 'exams/heldout-finals-2026-11';
export const DEMO_SHEETS = ['strong', 'weak', 'adversarial'] as const;
export const DEMO_HUMAN_GRADES = 'examples/human-grades.csv';
export const DEMO_HUMAN = 'example-human';

/**
 * Fictional public scores for the example sheets (they are not models): enough to draw the analysis. The memoriser
 * "scores" high on GSM8K and MATH because it reproduces their solutions.
 */
export const DEMO_BENCHMARK_SCORES_FILE = 'examples/benchmark-scores.csv';
export const MEMORISER_SCORES = 'memoriser,0.97,0.85\n';

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
  /** The leaky exam the demo wrote from the pack (`heldout check` on it exits 2), when the pack was there. */
  leakyExam?: string;
}

/**
 * Benchmarks available without a network: `HELDOUT_DEMO_BENCH` (comma-separated `label=path`, for development
 * and CI), whatever `heldout bench pull` put in the cache, and else the offline pack that ships with heldout.
 */
export function offlineBenchmarks(
  env: Record<string, string | undefined>,
  cacheDir: string,
  known: readonly string[],
  inPack: (name: string) => boolean = () => false,
): string[] {
  const specs = (env.HELDOUT_DEMO_BENCH ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const labels = new Set(specs.map((s) => (s.includes('=') ? s.slice(0, s.indexOf('=')) : s)));
  for (const name of known) {
    if (!labels.has(name) && (existsSync(join(cacheDir, name)) || inPack(name))) specs.push(name);
  }
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

  // The pack's items, by id, for the planted examples: a memorising "model" and a leaky exam.
  const { activePackDir, loadPackSource, packHas } = await import('../contamination/bench/pack.js');
  const packDir = activePackDir(env as NodeJS.ProcessEnv);
  const plantFrom =
    packDir && packHas('gsm8k', packDir) && packHas('math', packDir)
      ? [loadPackSource('gsm8k', { packDir }), loadPackSource('math', { packDir })]
      : undefined;
  const leaks = await import('./demo-leaks.js');

  const { runExam } = await import('../run/runner.js');
  const models = DEMO_SHEETS.map((s) => `replay:examples/answers/${s}.jsonl`);
  if (plantFrom) {
    const sheet = leaks.writeMemorisedSheet(join(runDir, 'inputs'), plantFrom);
    models.push(`${leaks.MEMORISER_LABEL}=replay:${sheet}`);
  }
  const run = await runExam({ examDir, models, out: runDir, cwd: root, noCache: true, env: {} });
  recordAbsoluteExamDir(runDir, examDir, cwd, root);
  const answered = run.perModel.map((m) => `${modelLabel(m.model)} ${m.answered}`);
  log(
    `run      ${displayPath(runDir)}: ${run.counts.answered} answers from ${models.length} example sheets (${answered.join(', ')}), ${run.counts.missing} missing${plantFrom ? `; "${leaks.MEMORISER_LABEL}" answers ${leaks.MEMORISED_ANSWERS.length} questions with benchmark solutions (${leaks.MEMORISED_ANSWERS.map((m) => m.itemId).join(', ')}, built from the pack)` : ''}`,
  );

  const ctxOpts = { exam: examDir };
  const { gradeRunAuto } = await import('../grading/run-grading.js');
  const auto = gradeRunAuto(runDir, ctxOpts);
  log(
    `grade    auto: ${auto.graded} unit answers checked: ${auto.correct} correct, ${auto.incorrect} incorrect, ${auto.undetermined} undetermined (await review); ${auto.skipped} units without an automatic check`,
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

  const { benchCacheDir, howToGetBenchmarks } = await import('../contamination/bench/locate.js');
  const { KNOWN_BENCHMARKS } = await import('../contamination/bench/source.js');
  const { loadBenchmarkSources } = await import('../contamination/bench/load.js');
  const benchDir = benchCacheDir(env as NodeJS.ProcessEnv);
  const specs = offlineBenchmarks(env, benchDir, KNOWN_BENCHMARKS, (n) =>
    packDir ? packHas(n as (typeof KNOWN_BENCHMARKS)[number], packDir) : false,
  );
  let check: CheckInput | undefined;
  let checkNote: string | undefined;
  let leakyExam: string | undefined;
  const alsoChecked: ReportLoadOptions['alsoChecked'] = [];
  if (specs.length) {
    const { checkContamination } = await import('../contamination/run-check.js');
    const { examTexts, runAnswerTexts } = await import('../contamination/texts.js');
    const { coverageHeadline } = await import('../contamination/coverage.js');
    const { firedRules } = await import('../contamination/render.js');
    const { loadExam } = await import('../exam/load.js');
    const { examHash } = await import('../exam/model.js');
    const loaded = loadExam(examDir);
    const sources = await loadBenchmarkSources(specs, { cwd, benchDir, packDir: packDir ?? false });
    const { file, answers } = runAnswerTexts(runDir, loaded.exam.language);
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
    const { writeFileAtomic } = await import('../io/write-file.js');
    writeFileAtomic(join(runDir, 'contamination.json'), `${JSON.stringify(result, null, 2)}\n`);
    const from = sources.map((s) => `${s.label} (${s.items.length} items, ${s.origin ?? 'path'})`).join(', ');
    log(
      `check    ${DEMO_EXAM} against ${from}: ${coverageHeadline(result.summary.coverage, 'item', 'contaminated')}; rules ${result.rules.join(', ')} (n = ${result.n})`,
    );
    if (result.summary.answers) {
      log(
        `check    answers: ${coverageHeadline(result.summary.answers.coverage, 'answer', 'reproduce a benchmark solution')}`,
      );
    }
    if (plantFrom) {
      leakyExam = leaks.writeLeakyExam(
        join(runDir, 'leaky-exam'),
        plantFrom,
        (opts.now ?? new Date()).toISOString().slice(0, 10),
      );
      const leaky = loadExam(leakyExam);
      const leakyResult = checkContamination(
        {
          subject: { kind: 'exam', id: leaky.exam.id, hash: examHash(leaky.exam), dir: displayPath(leakyExam) },
          items: examTexts(leaky),
        },
        sources,
      );
      writeFileAtomic(join(runDir, 'leaky-contamination.json'), `${JSON.stringify(leakyResult, null, 2)}\n`);
      alsoChecked.push({
        title: `The leaky exam ${displayPath(leakyExam)}`,
        exam: leaky.exam,
        check: leakyResult,
        checkFile: displayPath(join(runDir, 'leaky-contamination.json')),
        note: `Written by the demo from the pack: ${leaks.LEAKY_QUESTIONS.map((q) => `${q.id} is ${q.itemId} (${q.kind})`).join(', ')}. \`heldout check ${displayPath(leakyExam)}\` exits 2.`,
      });
      log(
        `check    leaky exam ${displayPath(leakyExam)}: ${coverageHeadline(leakyResult.summary.coverage, 'item', 'contaminated')}; fired: ${firedRules(leakyResult).join(', ') || 'none'} (exit ${leakyResult.exitCode})`,
      );
    }
  } else {
    checkNote = `No benchmark was available offline (nothing pulled, and no offline pack: HELDOUT_PACK_DIR is "none" or the pack is missing), so the exam was not checked: ${howToGetBenchmarks()}, then run \`heldout demo\` again.`;
    log(`check    skipped: no benchmark cached; ${howToGetBenchmarks()}, then run \`heldout demo\` again`);
  }

  const { writeFileAtomic } = await import('../io/write-file.js');
  const scoresFile = join(runDir, 'benchmark-scores.csv');
  writeFileAtomic(
    scoresFile,
    readFileSync(join(root, DEMO_BENCHMARK_SCORES_FILE), 'utf8').replace(/\n*$/, '\n') +
      (plantFrom ? MEMORISER_SCORES : ''),
  );
  const { writeReport } = await import('../pipeline/write-report.js');
  const { file, model } = await writeReport(runDir, join(runDir, 'report.html'), {
    ...ctxOpts,
    benchmarksFile: scoresFile,
    check,
    checkFile: check ? join(runDir, 'contamination.json') : undefined,
    checkNote,
    alsoChecked,
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
  return { runDir, reportFile: file, model, benchmarks: specs, leakyExam };
}

const fmtRatio = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`);
const fmtNum = (v: number | null) => (v === null ? '–' : v.toFixed(2));

/**
 * The run records its exam relative to where it ran (the package root, for the replay paths). Run from anywhere
 * else, `heldout score runs/demo` and the other hinted commands would not find it: record the absolute path.
 */
function recordAbsoluteExamDir(runDir: string, examDir: string, cwd: string, root: string): void {
  if (resolve(cwd) === resolve(root)) return;
  const manifest = loadRunManifest(runDir);
  writeRunManifest(runDir, { ...manifest, exam: { ...manifest.exam, dir: examDir } });
}
