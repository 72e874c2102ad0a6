import { Command, CommanderError } from 'commander';
import { ExitCode, isHeldoutError } from '../errors.js';
import { toolVersion } from '../version.js';
import { registerBenchCommands } from './bench.js';
import { registerCheckCommands } from './check.js';
import { registerCompareCommands } from './compare.js';
import { registerDemoCommands } from './demo.js';
import { registerExamCommands } from './exam.js';
import { registerGradeCommands } from './grade.js';
import { registerGradeServeCommands } from './grade-serve.js';
import { isBrokenPipe, osErrorToUserError } from './os-errors.js';
import { registerProbeCommands } from './probe.js';
import { registerRegradeCommands } from './regrade.js';
import { registerReportCommands } from './report.js';
import { registerRubricCommands } from './rubric.js';
import { registerRunCommands } from './run.js';
import { registerScanCommands } from './scan.js';

/** Each command module adds its commands; cores are imported lazily inside actions to keep start-up fast. */
const registrars: ((program: Command) => void)[] = [
  registerExamCommands,
  registerRubricCommands,
  registerRunCommands,
  registerGradeCommands,
  registerGradeServeCommands,
  registerCheckCommands,
  registerBenchCommands,
  registerReportCommands,
  registerDemoCommands,
  registerScanCommands,
  registerProbeCommands,
  registerCompareCommands,
  registerRegradeCommands,
];

export function buildProgram(): Command {
  const program = new Command('heldout')
    .description('Run held-out exams on language models, grade them with rubrics, check contamination, report.')
    .version(toolVersion(), '-V, --version')
    .option('--debug', 'print stack traces for errors')
    // Commander's own errors (unknown option, missing argument) follow the one-line `heldout: error:` rule too.
    .configureOutput({
      outputError: (text, write) =>
        write(`heldout: error: ${text.trim().replace(/^error: /, '')} — run with --help for usage\n`),
    })
    .exitOverride();
  for (const register of registrars) register(program);
  return program;
}

/** `heldout … | head -1`: when the reader closes the pipe, end quietly instead of crashing on EPIPE. */
function quietOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (isBrokenPipe(err)) process.exit(typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok);
      throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  quietOnClosedOutput();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version land here with exit code 0.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.UserError;
    }
    if (isBrokenPipe(err)) return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
    const userError = isHeldoutError(err) ? err : osErrorToUserError(err);
    if (userError) {
      process.stderr.write(`heldout: error: ${userError.format()}\n`);
      if (debug) process.stderr.write(`${(userError.cause as Error | undefined)?.stack ?? userError.stack}\n`);
      return userError.exitCode;
    }
    process.stderr.write(`heldout: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    if (debug) process.stderr.write(`${(err as Error)?.stack}\n`);
    else process.stderr.write('heldout: run again with --debug for a stack trace, and report it as a bug\n');
    return ExitCode.Internal;
  }
}
