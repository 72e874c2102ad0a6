import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { HeldoutError } from '../errors.js';
import { paint } from './output.js';

interface ServeFlags {
  grader?: string;
  exam?: string;
  rubric?: string;
  adjudicate?: boolean;
  review?: boolean;
  filter: string;
  blind: boolean;
  seed?: string;
  host: string;
  port?: string;
  allowRemote?: boolean;
  open: boolean;
}

/** `heldout grade serve <run-dir> --grader ann`: grade by hand in the browser. */
export function registerGradeServeCommands(program: Command): void {
  const grade = program.commands.find((c) => c.name() === 'grade');
  if (!grade) throw new Error('the grade command must be registered before grade serve');
  grade
    .command('serve')
    .description('grade by hand in the browser: blind, keyboard-driven, saved at once (a local web page)')
    .argument('<run-dir>', 'run directory (runs/<id>)')
    .option('--grader <name>', 'your name as a grader (recorded with each grade)')
    .option('--exam <dir>', 'exam directory (default: the one recorded in the run manifest)')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)')
    .option('--adjudicate', 'settle disagreements: see the graders side by side, record an adjudicated grade and why')
    .option('--review', "show the checker's and judges' verdicts before you decide (marked as such)")
    .option('--filter <name>', 'start with: all, todo, undetermined, disagreements, review or flagged', 'all')
    .option('--no-blind', 'show model names and keep the run order')
    .option('--seed <n>', 'seed for the blind order (default: a fresh one, recorded for resuming)')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (default: a free one)')
    .option('--allow-remote', 'allow a --host that is not a loopback address (prints a warning)')
    .option('--no-open', 'do not open the page in a browser')
    .action(async (runDir: string, own: ServeFlags) => {
      // `grade` itself has --grader, --exam, --rubric, --seed and --no-blind, and commander lets the parent take
      // them wherever they stand on the command line, so they are read from both.
      const parent = grade.opts() as Partial<ServeFlags>;
      const opts: ServeFlags = {
        ...own,
        grader: own.grader ?? parent.grader,
        exam: own.exam ?? parent.exam,
        rubric: own.rubric ?? parent.rubric,
        seed: own.seed ?? parent.seed,
        blind: own.blind && parent.blind !== false,
      };
      if (!opts.grader) throw new HeldoutError('grade serve needs --grader <name>', { hint: 'e.g. --grader ann' });
      const { startGradingServer } = await import('../grading/web/server.js');
      const server = await startGradingServer(runDir, {
        grader: opts.grader,
        exam: opts.exam,
        rubric: opts.rubric,
        adjudicate: opts.adjudicate,
        review: opts.review,
        filter: opts.filter,
        blind: opts.blind,
        seed: opts.seed === undefined ? undefined : wholeNumber(opts.seed, '--seed'),
        host: opts.host,
        port: opts.port === undefined ? undefined : wholeNumber(opts.port, '--port'),
        allowRemote: opts.allowRemote,
      });
      for (const w of server.warnings) process.stderr.write(paint.yellow(`heldout: warning: ${w}\n`));
      const s = server.desk.session();
      const what = opts.adjudicate ? 'disagreements to adjudicate' : 'units to grade';
      const graded = s.queue.filter((e) => e.s > 0).length;
      process.stdout.write(
        `${s.exam.title}: ${server.units} ${what} for ${s.grader}, ${graded} done` +
          `${s.blind ? ` (blind, order seed ${s.seed})` : ''}.\n` +
          `Open ${server.url}\n` +
          `Each decision is saved at once to ${runDir.replace(/\/+$/, '')}/grades.jsonl. Ctrl-C stops the server.\n`,
      );
      if (opts.open) openBrowser(server.url);
      const after = await new Promise<number>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          // Counted before closing: the grades log is closed with the server.
          const done = server.desk.queue().filter((e) => e.s > 0).length;
          void server.close().then(() => resolve(done));
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      process.stdout.write(`stopped: ${s.grader} has ${after} of ${server.units} done; the same command resumes.\n`);
    });
}

function wholeNumber(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HeldoutError(`${flag} must be a whole number (got "${raw}")`);
  return n;
}

/** Best effort, and only for a person at a terminal with a desktop: a script or a test never gets a browser. */
function openBrowser(url: string): void {
  if (!process.stdout.isTTY) return;
  const cmd =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', url]
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? ['xdg-open', url]
          : undefined;
  if (!cmd) return;
  try {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The URL is printed; opening is a convenience.
  }
}
