import type { Command } from 'commander';
import { ExitCode, HeldoutError } from '../errors.js';
import { collect } from './options.js';
import { printJson } from './output.js';

export function registerRegradeCommands(program: Command): void {
  program
    .command('regrade')
    .description(
      'after an exam or rubric edit: regrade exactly the units whose question, answer key or rubric changed, and show how scores moved',
    )
    .argument('<run-dir>', 'run directory (runs/<id>)')
    .option('--exam <dir>', 'exam directory (default: the one recorded in the run manifest)')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)')
    .option('--judge <spec>', 'judges to use (default: the judges that graded the changed units)', collect)
    .option('--no-judges', 'do not call judges (their grades on changed units stay stale)')
    .option('--reduce <how>', 'combine several judges: mean, median or majority (default: as recorded)')
    .option('--base-url <url>', 'judges: an OpenAI-compatible server')
    .option('--concurrency <n>', 'judge calls in flight per provider')
    .option('--no-cache', 'do not reuse cached judge answers')
    .option('--all', 'regrade every unit (grades written before versions were recorded)')
    .option('--dry-run', 'only list the changed units and the stale grades')
    .option('--json', 'print machine-readable JSON')
    .action(async (runDir: string, opts: Record<string, unknown>) => {
      const { regradeRun, regradeText } = await import('../grading/regrade.js');
      const { parseReduce } = await import('../grading/judge-run.js');
      const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
        throw new HeldoutError(`--concurrency must be a whole number ≥ 1 (got "${opts.concurrency}")`);
      const result = await regradeRun(runDir, {
        exam: opts.exam as string | undefined,
        rubric: opts.rubric as string | undefined,
        judges: opts.judge as string[] | undefined,
        noJudges: opts.judges === false,
        reduce: opts.reduce === undefined ? undefined : parseReduce(String(opts.reduce)),
        all: Boolean(opts.all),
        dryRun: Boolean(opts.dryRun),
        concurrency,
        noCache: opts.cache === false,
        openOptions: opts.baseUrl ? { baseUrl: String(opts.baseUrl) } : undefined,
      });
      if (opts.json) printJson(result);
      else process.stdout.write(regradeText(result));
      // Failed judge calls leave stale grades behind: say so in the exit code too.
      if (result.judges.ungraded > 0) process.exitCode = ExitCode.UserError;
    });
}
