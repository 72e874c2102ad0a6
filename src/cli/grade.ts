import type { Command } from 'commander';
import { ExitCode, HeldoutError } from '../errors.js';
import { collect } from './options.js';
import { paint, printJson, table } from './output.js';

interface RunOpts {
  exam?: string;
  rubric?: string;
}

const runOptions = (cmd: Command) =>
  cmd
    .option('--exam <dir>', 'exam directory (default: the one recorded in the run manifest)')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)');

export function registerGradeCommands(program: Command): void {
  runOptions(
    program
      .command('grade')
      .description('grade a run: automatic answer checks, model judges, or a human grader in the terminal')
      .argument('<run-dir>', 'run directory (runs/<id>)')
      .option('--auto', 'check final answers against the exam answers; awards the rubric items marked auto')
      .option('--judge <spec>', 'grade with a model judge (repeat for several judges)', collect)
      .option('--reduce <how>', 'combine several judges per item: mean, median or majority', 'median')
      .option('--base-url <url>', 'judges: an OpenAI-compatible server (vLLM, llama.cpp, a proxy)')
      .option('--concurrency <n>', 'judge calls in flight per provider')
      .option('--no-cache', 'do not reuse cached judge answers')
      .option('--regrade', 'judges: grade again units they already graded')
      .option('--human', 'grade interactively in the terminal')
      .option('--grader <name>', 'your name as a human grader (recorded with each grade)')
      .option('--no-blind', 'human: show model names and keep the run order')
      .option('--seed <n>', 'human: seed for the blind order (default: a fresh one, recorded for resuming)'),
  ).action(async (runDir: string, opts: RunOpts & Record<string, unknown>) => {
    const modes = [opts.auto, opts.judge, opts.human].filter(Boolean).length;
    if (modes !== 1) {
      throw new HeldoutError('choose one way to grade', {
        hint: 'pass --auto, --judge <spec> or --human --grader <name>',
      });
    }
    if (opts.auto) {
      const { gradeRunAuto } = await import('../grading/auto.js');
      const s = gradeRunAuto(runDir, opts);
      process.stdout.write(
        `auto: graded ${s.graded} unit answers (${s.correct} correct, ${s.noAnswer} without a final answer); ` +
          `${s.skipped} units have no automatic check; ${s.failed} failed responses not graded; ` +
          `${s.written} grades written to ${s.ctx.runDir}/grades.jsonl\n`,
      );
      return;
    }
    if (opts.judge) {
      const { gradeRunWithJudges, parseReduce } = await import('../grading/judge-run.js');
      const s = await gradeRunWithJudges(runDir, {
        ...opts,
        judges: opts.judge as string[],
        reduce: parseReduce(String(opts.reduce)),
        concurrency:
          opts.concurrency === undefined ? undefined : positiveInt(String(opts.concurrency), '--concurrency'),
        noCache: opts.cache === false,
        regrade: Boolean(opts.regrade),
        openOptions: opts.baseUrl ? { baseUrl: String(opts.baseUrl) } : undefined,
        progress: judgeProgress(),
      });
      process.stdout.write(
        `judge: ${s.graded} graded, ${s.ungraded} ungraded (invalid output twice or a failed call; raw output kept), ` +
          `${s.skipped} already graded; ${s.written} grades written\n`,
      );
      if (s.ungraded > 0) process.stdout.write(paint.yellow(`${s.ungraded} unit(s) are ungraded: see heldout score\n`));
      return;
    }
    if (!opts.grader) throw new HeldoutError('--human needs --grader <name>', { hint: 'e.g. --grader ann' });
    const { gradeRunHuman } = await import('../grading/human.js');
    const s = await gradeRunHuman(runDir, {
      ...opts,
      grader: String(opts.grader),
      blind: opts.blind !== false,
      seed: opts.seed === undefined ? undefined : positiveInt(String(opts.seed), '--seed'),
    });
    process.stdout.write(
      `${s.done} of ${s.total} answers graded by ${opts.grader}${s.stopped ? ' (stopped; run the same command again to resume)' : ''}\n`,
    );
    if (s.stopped && s.done < s.total) process.exitCode = ExitCode.Interrupted;
  });

  const grades = program.command('grades').description('export, import and review grades (grades.jsonl)');

  runOptions(
    grades
      .command('export')
      .description('write a grading sheet: one row per answer × rubric item, with an empty points column')
      .argument('<run-dir>', 'run directory')
      .requiredOption('--csv <file>', 'the CSV file to write')
      .option('--no-blind', 'include model names (hidden by default)')
      .option('--seed <n>', 'seed for the blind row order', '1'),
  ).action(async (runDir: string, opts: RunOpts & { csv: string; blind: boolean; seed: string }) => {
    const { exportGradingSheet } = await import('../grading/sheet.js');
    const n = exportGradingSheet(runDir, opts.csv, { ...opts, seed: positiveInt(opts.seed, '--seed') });
    process.stdout.write(`wrote ${n.rows} rows (${n.answers} answers) to ${opts.csv}\n`);
  });

  runOptions(
    grades
      .command('import')
      .description('import a filled-in grading sheet as grades by a named grader (all rows or none)')
      .argument('<run-dir>', 'run directory')
      .argument('<file>', 'the CSV file (as written by `grades export`)')
      .requiredOption('--grader <name>', 'who graded the sheet')
      .option('--kind <kind>', 'grader kind recorded: human or judge', 'human'),
  ).action(async (runDir: string, file: string, opts: RunOpts & { grader: string; kind: string }) => {
    const { importGradingSheet } = await import('../grading/sheet.js');
    if (opts.kind !== 'human' && opts.kind !== 'judge') {
      throw new HeldoutError(`--kind must be human or judge (got "${opts.kind}")`);
    }
    const kind: 'human' | 'judge' = opts.kind;
    const n = importGradingSheet(runDir, file, { ...opts, kind });
    process.stdout.write(`imported ${n.grades} grades (${n.rows} rows) by ${opts.grader}; ${n.written} new\n`);
  });

  grades
    .command('history')
    .description('every grade in order: who graded what, and what it replaced')
    .argument('<run-dir>', 'run directory')
    .option('--json', 'print JSON')
    .action(async (runDir: string, opts: { json?: boolean }) => {
      const { gradeHistory, readGrades } = await import('../grading/store.js');
      const h = gradeHistory(readGrades(runDir));
      if (opts.json) return printJson(h);
      process.stdout.write(
        `${table(
          h.map((c) => [c.at, c.grader, c.responseId, c.unitId, c.status, c.total, c.previous ?? '']),
          ['at', 'grader', 'response', 'unit', 'status', 'total', 'was'],
        )}\n`,
      );
    });

  runOptions(
    program
      .command('score')
      .description('score a run: per question, part (with choose rules), exam and model')
      .argument('<run-dir>', 'run directory')
      .option('--json', 'print machine-readable JSON (same as --format json)')
      .option('--format <format>', 'text, md or json', 'text')
      .option('--precedence <kinds>', 'which grade counts when several exist', 'human,judge,auto')
      .option('--seed <n>', 'seed for the bootstrap interval', '1')
      .option('--allow-stale', 'count grades made under an earlier version of a unit (flagged) instead of refusing'),
  ).action(
    async (
      runDir: string,
      opts: RunOpts & { json?: boolean; format: string; precedence: string; seed: string; allowStale?: boolean },
    ) => {
      const { scoreRun } = await import('../grading/score-run.js');
      const { parsePrecedence, scoreMarkdown } = await import('../grading/score.js');
      let precedence: ReturnType<typeof parsePrecedence>;
      try {
        precedence = parsePrecedence(opts.precedence);
      } catch (err) {
        throw new HeldoutError(`--precedence: ${(err as Error).message}`, {
          hint: 'e.g. --precedence human,judge,auto',
        });
      }
      const format = opts.json ? 'json' : opts.format;
      if (!['text', 'md', 'json'].includes(format))
        throw new HeldoutError(`--format must be text, md or json (got "${format}")`);
      const report = scoreRun(runDir, { ...opts, precedence, seed: positiveInt(opts.seed, '--seed') });
      if (format === 'json') return printJson(report);
      const { scoreVersionsText } = await import('../grading/score-versions-text.js');
      if (format === 'md') return void process.stdout.write(`${scoreMarkdown(report)}\n${scoreVersionsText(report)}`);
      process.stdout.write(
        `${report.exam.title} (${report.exam.id}): ${report.exam.maxPoints} points; grades: ${precedence.join(' > ')}\n\n`,
      );
      process.stdout.write(
        `${table(
          report.models.map((m) => [
            m.model,
            `${m.points} / ${m.maxPoints}`,
            `${m.percent}%`,
            m.samples,
            m.ci95 ? `${m.ci95[0]}–${m.ci95[1]}` : '',
            m.ungraded.ungraded + m.ungraded.missing,
            m.ungraded.failedResponses,
          ]),
          ['model', 'points', 'percent', 'samples', '95% CI', 'ungraded units', 'failed'],
        )}\n`,
      );
      process.stdout.write(`\n${scoreVersionsText(report)}`);
      const gaps = report.models.reduce((s, m) => s + m.ungraded.ungraded + m.ungraded.missing, 0);
      if (gaps > 0) {
        process.stdout.write(
          paint.yellow(`\n${gaps} unit answer(s) have no grade and count 0 here; grade them or see --format md\n`),
        );
      }
    },
  );

  program
    .command('agreement')
    .description('how far graders agree: per pair, per item and per question (MAD, exact, kappa, alpha)')
    .argument('<run-dir>', 'run directory')
    .option('--json', 'print machine-readable JSON')
    .action(async (runDir: string, opts: { json?: boolean }) => {
      const { agreementForRun, agreementText } = await import('../grading/agreement.js');
      const report = agreementForRun(runDir);
      if (opts.json) return printJson(report);
      process.stdout.write(agreementText(report));
    });
}

/** Plain progress lines on stderr, about every 10% (and at the end). */
function judgeProgress(): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const step = Math.floor((10 * done) / Math.max(1, total));
    if (step !== shown || done === total) {
      shown = step;
      process.stderr.write(`heldout: judged ${done}/${total}\n`);
    }
  };
}

function positiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HeldoutError(`${flag} must be a whole number (got "${raw}")`);
  return n;
}
