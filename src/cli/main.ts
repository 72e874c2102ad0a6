import { Command, CommanderError } from 'commander';
import { ExitCode, isHeldoutError } from '../errors.js';
import { toolVersion } from '../version.js';
import { registerBenchCommands } from './bench.js';
import { registerCheckCommands } from './check.js';
import { registerDemoCommands } from './demo.js';
import { registerExamCommands } from './exam.js';
import { registerGradeCommands } from './grade.js';
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
  registerCheckCommands,
  registerBenchCommands,
  registerReportCommands,
  registerDemoCommands,
  registerScanCommands,
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

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version land here with exit code 0.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.UserError;
    }
    if (isHeldoutError(err)) {
      process.stderr.write(`heldout: error: ${err.format()}\n`);
      if (debug) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    process.stderr.write(`heldout: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    if (debug) process.stderr.write(`${(err as Error)?.stack}\n`);
    else process.stderr.write('heldout: run again with --debug for a stack trace, and report it as a bug\n');
    return ExitCode.Internal;
  }
}
