import type { Command } from 'commander';
import { z } from 'zod';
import { ExitCode, HeldoutError } from '../errors.js';
import { addOptions, collect, type OptionDefs } from './options.js';
import { paint, printJson, table } from './output.js';

interface RunOpts {
  exam?: string;
  rubric?: string;
}

const runOptions = (cmd: Command) =>
  cmd
    .option('--exam <dir>', 'exam directory (default: the one recorded in the run manifest)')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)');

const scoreOptionDefs = {
  failUnder: {
    flags: '--fail-under <percent>',
    description: 'exit with code 4 when a model scores below this percent (for CI)',
    schema: z.number().min(0).max(100).optional(),
    config: true,
  },
  config: {
    flags: '--config <file>',
    description: 'config file (default: ./heldout.config.yaml if present); its score: section sets defaults',
    schema: z.string().optional(),
  },
} satisfies OptionDefs;

export function registerGradeCommands(program: Command): void {
  runOptions(
    program
      .command('grade')
      .description(
        'grade a run: automatic answer checks, model judges, or a human grader in the terminal (`grade serve`: in the browser)',
      )
      .argument('<run-dir>', 'run directory (runs/<id>)')
      .option(
        '--auto',
        'check final answers against the exam answers (correct, incorrect or undetermined); awards the rubric items marked auto',
      )
      .option(
        '--judge <spec>',
        'grade with a model judge (repeat for several judges); with --auto, only the units the checker could not decide',
        collect,
      )
      .option('--reduce <how>', 'combine several judges per item: mean, median or majority', 'median')
      .option('--base-url <url>', 'judges: an OpenAI-compatible server (vLLM, llama.cpp, a proxy)')
      .option('--concurrency <n>', 'judge calls in flight per provider')
      .option(
        '--timeout <s>',
        'judges: per-call timeout in seconds (default: config grade.timeout, run.timeout, else 120)',
      )
      .option(
        '--max-retries <n>',
        'judges: retries of a failed call (default: config grade.maxRetries, run.maxRetries, else 4)',
      )
      .option('--config <file>', 'config file (default: ./heldout.config.yaml if present)')
      .option('--no-cache', 'do not reuse cached judge answers')
      .option('--regrade', 'judges: grade again units they already graded')
      .option('--human', 'grade interactively in the terminal')
      .option('--grader <name>', 'your name as a human grader (recorded with each grade)')
      .option('--no-blind', 'human: show model names and keep the run order')
      .option('--seed <n>', 'human: seed for the blind order (default: a fresh one, recorded for resuming)'),
  ).action(async (runDir: string, opts: RunOpts & Record<string, unknown>) => {
    const modes = [opts.auto || opts.judge, opts.human].filter(Boolean).length;
    if (modes !== 1) {
      throw new HeldoutError('choose one way to grade', {
        hint: 'pass --auto, --judge <spec>, --auto --judge <spec> (the judge settles what the checker cannot), or --human --grader <name>',
      });
    }
    if (opts.auto) {
      const { gradeRunAuto } = await import('../grading/auto.js');
      const s = gradeRunAuto(runDir, opts);
      process.stdout.write(
        `auto: checked ${s.graded} unit answers: ${s.correct} correct, ${s.incorrect} incorrect, ${s.undetermined} undetermined; ` +
          `${s.skipped} units have no automatic check; ${s.unanswered} unanswered; ${s.failed} failed responses not graded; ` +
          `${s.written} grades written to ${s.ctx.runDir}/grades.jsonl\n`,
      );
      if (s.undetermined > 0 && !opts.judge) {
        process.stdout.write(
          paint.yellow(
            `${s.undetermined} unit(s) await review (the checker could not decide): ` +
              `heldout grade ${runDir} --auto --judge <spec>, or heldout grade ${runDir} --human --grader <name>\n`,
          ),
        );
      }
      if (!opts.judge || s.undetermined === 0) return;
    }
    if (opts.judge) {
      const { gradeRunWithJudges, parseReduce } = await import('../grading/judge-run.js');
      const limits = await judgeLimits(opts);
      const s = await gradeRunWithJudges(runDir, {
        ...limits,
        ...opts,
        judges: opts.judge as string[],
        reduce: parseReduce(String(opts.reduce)),
        concurrency:
          opts.concurrency === undefined ? undefined : positiveInt(String(opts.concurrency), '--concurrency'),
        noCache: opts.cache === false,
        regrade: Boolean(opts.regrade),
        onlyUndetermined: Boolean(opts.auto),
        openOptions: opts.baseUrl ? { baseUrl: String(opts.baseUrl) } : undefined,
        progress: judgeProgress(),
      });
      process.stdout.write(
        `judge: ${s.graded} graded, ${s.ungraded} ungraded (invalid output twice or a failed call; raw output kept), ` +
          `${s.skipped} already graded; ${s.unanswered} unanswered (empty answers, not sent to a judge); ` +
          `${s.written} grades written\n`,
      );
      for (const stop of s.stopped) {
        process.stderr.write(
          `heldout: error: judge ${stop.judge} stopped: ${stop.reason}; ${stop.notAttempted} call(s) not made — check its key, model name and --base-url\n`,
        );
      }
      if (s.graded === 0 && s.skipped === 0 && (s.ungraded > 0 || s.stopped.length > 0)) {
        process.stderr.write('heldout: error: no unit could be graded\n');
        process.exitCode = ExitCode.UserError;
      } else if (s.ungraded > 0 || s.stopped.length > 0) {
        process.stdout.write(paint.yellow(`${s.ungraded} unit(s) are ungraded: see heldout score\n`));
        process.exitCode = ExitCode.Incomplete;
      }
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
      `${s.done} of ${s.total} answers graded by ${opts.grader}${s.skipped ? `, ${s.skipped} skipped` : ''}${s.stopped || s.skipped ? ' (run the same command again to resume)' : ''}\n`,
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
      const { gradeHistory, readGrades } = await import('../store/grades.js');
      const h = gradeHistory(readGrades(runDir));
      if (opts.json) return printJson(h);
      process.stdout.write(
        `${table(
          h.map((c) => [c.at, c.grader, c.responseId, c.unitId, c.status, c.total, c.previous ?? '']),
          ['at', 'grader', 'response', 'unit', 'status', 'total', 'was'],
        )}\n`,
      );
    });

  addOptions(
    runOptions(
      program
        .command('score')
        .description('score a run: per question, part (with choose rules), exam and model')
        .argument('<run-dir>', 'run directory')
        .option('--json', 'print machine-readable JSON (same as --format json)')
        .option('--format <format>', 'text, md or json', 'text')
        .option('--precedence <kinds>', 'which grade counts when several exist', 'adjudicated,human,judge,auto')
        .option(
          '--undetermined <policy>',
          'units the checker could not decide: zero (count 0, shown apart), exclude (leave out of the maximum), fail',
          'zero',
        )
        .option('--seed <n>', 'seed for the bootstrap interval', '1')
        .option('--allow-stale', 'count grades made under an earlier version of a unit (flagged) instead of refusing'),
    ),
    scoreOptionDefs,
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 4 a model scored below --fail-under (also score: failUnder: in heldout.config.yaml), 1 bad input
(or undetermined units with --undetermined fail).

Examples:
  heldout score runs/demo
  heldout score runs/demo --undetermined exclude
  heldout score runs/demo --fail-under 60 --format md`,
    )
    .action(
      async (
        runDir: string,
        opts: RunOpts & {
          json?: boolean;
          format: string;
          precedence: string;
          undetermined: string;
          seed: string;
          allowStale?: boolean;
        },
        cmd: Command,
      ) => {
        const { resolveWithConfig } = await import('./config-section.js');
        const gate = await resolveWithConfig(cmd, scoreOptionDefs, 'score', cmd.opts().config as string | undefined);
        const { scoreRun } = await import('../grading/score-run.js');
        const { parsePrecedence, undeterminedPolicies } = await import('../grading/score.js');
        const { scoreMarkdown, scoreNotes, scoreRows, SCORE_COLUMNS } = await import('../grading/score-text.js');
        let precedence: ReturnType<typeof parsePrecedence>;
        try {
          precedence = parsePrecedence(opts.precedence);
        } catch (err) {
          throw new HeldoutError(`--precedence: ${(err as Error).message}`, {
            hint: 'e.g. --precedence adjudicated,human,judge,auto',
          });
        }
        const undetermined = undeterminedPolicies.find((p) => p === opts.undetermined);
        if (!undetermined)
          throw new HeldoutError(`--undetermined must be zero, exclude or fail (got "${opts.undetermined}")`);
        const format = opts.json ? 'json' : opts.format;
        if (!['text', 'md', 'json'].includes(format))
          throw new HeldoutError(`--format must be text, md or json (got "${format}")`);
        const report = scoreRun(runDir, { ...opts, precedence, undetermined, seed: positiveInt(opts.seed, '--seed') });
        if (gate.failUnder !== undefined) {
          const { modelsBelow } = await import('../grading/fail-under.js');
          const below = modelsBelow(report, gate.failUnder);
          process.exitCode = below.length ? ExitCode.BelowThreshold : ExitCode.Ok;
          process.stderr.write(
            below.length
              ? `heldout: below the threshold: ${below.map((b) => `${b.model} ${b.percent}%`).join(', ')} < ${gate.failUnder}% (--fail-under)\n`
              : `every model scored at least ${gate.failUnder}% (--fail-under)\n`,
          );
        }
        if (format === 'json') return printJson(report);
        const { scoreVersionsText } = await import('../grading/score-versions-text.js');
        if (format === 'md') return void process.stdout.write(`${scoreMarkdown(report)}\n${scoreVersionsText(report)}`);
        process.stdout.write(
          `${report.exam.title} (${report.exam.id}): ${report.exam.maxPoints} points; grades: ${precedence.join(' > ')}\n\n`,
        );
        process.stdout.write(`${table(scoreRows(report), SCORE_COLUMNS)}\n`);
        process.stdout.write(`\n${scoreVersionsText(report)}`);
        const notes = scoreNotes(report);
        if (notes.length) process.stdout.write(paint.yellow(`\n${notes.join('\n')}\n`));
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

/** `grade --timeout/--max-retries`, else `grade:` then `run:` in heldout.config.yaml, else openModel's defaults. */
async function judgeLimits(opts: Record<string, unknown>): Promise<{ timeoutMs?: number; maxRetries?: number }> {
  const { loadConfig, configWhere } = await import('../models/config.js');
  const config = loadConfig(opts.config === undefined ? undefined : String(opts.config));
  const section = (name: string) => {
    const v = config.raw[name];
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  };
  const pick = (flag: string, key: string, raw: unknown, check: (n: number) => boolean, what: string) => {
    if (raw !== undefined) {
      const n = Number(raw);
      if (!check(n)) throw new HeldoutError(`${flag} must be ${what} (got "${String(raw)}")`);
      return n;
    }
    for (const name of ['grade', 'run']) {
      const v = section(name)[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !check(v)) {
        throw new HeldoutError(`${name}.${key} must be ${what} (got ${JSON.stringify(v)})`, {
          where: configWhere(config, [name, key]),
        });
      }
      return v;
    }
    return undefined;
  };
  const timeout = pick(
    '--timeout',
    'timeout',
    opts.timeout,
    (n) => Number.isFinite(n) && n > 0,
    'a positive number of seconds',
  );
  const maxRetries = pick(
    '--max-retries',
    'maxRetries',
    opts.maxRetries,
    (n) => Number.isInteger(n) && n >= 0 && n <= 20,
    'a whole number from 0 to 20',
  );
  return {
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    ...(maxRetries !== undefined ? { maxRetries } : {}),
  };
}
