import type { Command } from 'commander';
import { z } from 'zod';
import { ExitCode, HeldoutError } from '../errors.js';
import { twoStageInterrupt } from './interrupt.js';
import { addOptions, collect, configSchema, type OptionDefs, resolveOptions } from './options.js';
import { printJson, table } from './output.js';

/** Every `heldout run` option that can also be a default under `run:` in heldout.config.yaml, defined once. */
export const runOptionDefs = {
  out: {
    flags: '--out <dir>',
    description: 'run directory (default: runs/<exam-id>-<UTC time>)',
    schema: z.string().optional(),
  },
  samples: {
    flags: '--samples <n>',
    description: 'answers per question and model',
    schema: z.number().int().min(1).max(1000).default(1),
    config: true,
  },
  temperature: {
    flags: '--temperature <t>',
    description: 'sampling temperature',
    schema: z.number().min(0).max(2).default(0.1),
    config: true,
  },
  maxTokens: {
    flags: '--max-tokens <n>',
    description: 'answer length limit in tokens (default: the provider’s; 4096 for anthropic)',
    schema: z.number().int().min(1).optional(),
    config: true,
  },
  seed: {
    flags: '--seed <n>',
    description: 'sampling seed where supported; sample i uses seed + i',
    schema: z.number().int().optional(),
    config: true,
  },
  concurrency: {
    flags: '--concurrency <n>',
    description: 'parallel calls per provider (default: config, else 8 openai/xai, 4 anthropic, 2 ollama, 16 vllm)',
    schema: z.number().int().min(1).max(1000).optional(),
    config: true,
  },
  timeout: {
    flags: '--timeout <s>',
    description: 'per-call timeout in seconds',
    schema: z.number().positive().default(120),
    config: true,
  },
  maxRetries: {
    flags: '--max-retries <n>',
    description: 'retries of a failed call: 429, 5xx, timeouts, bad bodies',
    schema: z.number().int().min(0).max(20).default(4),
    config: true,
  },
  resume: {
    flags: '--resume [run-dir]',
    description: 'finish a run: only its missing items, with its own parameters',
    schema: z.union([z.boolean(), z.string()]).optional(),
  },
  retryFailed: {
    flags: '--retry-failed',
    description: 'with --resume: also redo the items that failed',
    schema: z.boolean().default(false),
  },
  cache: {
    flags: '--no-cache',
    description: 'neither read nor write the response cache',
    schema: z.boolean().default(true),
    config: true,
  },
  splitSubparts: {
    flags: '--split-subparts',
    description: 'one prompt per sub-part instead of one per question',
    schema: z.boolean().default(false),
    config: true,
  },
  systemTemplate: {
    flags: '--system-template <file>',
    description: 'Handlebars system prompt (default: the exam’s prompts.system, else heldout’s)',
    schema: z.string().optional(),
    config: true,
  },
  userTemplate: {
    flags: '--user-template <file>',
    description: 'Handlebars user prompt (default: the exam’s prompts.user, else heldout’s)',
    schema: z.string().optional(),
    config: true,
  },
  mode: {
    flags: '--mode <mode>',
    description: 'chat, or completion for base models (k-shot prompt)',
    schema: z.enum(['chat', 'completion']).optional(),
    config: true,
  },
  shots: {
    flags: '--shots <k>',
    description: 'worked examples in a completion-mode prompt',
    schema: z.number().int().min(0).max(50).default(5),
    config: true,
  },
  pointsColumn: {
    flags: '--points-column <col>',
    description: 'replay: import this column as points given by --grader',
    schema: z.string().optional(),
  },
  unitColumn: {
    flags: '--unit-column <col>',
    description: 'replay: the column naming each row’s grading unit (a sheet with one row per question or sub-part)',
    schema: z.string().optional(),
  },
  grader: {
    flags: '--grader <name>',
    description: 'replay: the human grader the points are from',
    schema: z.string().optional(),
  },
  baseUrl: {
    flags: '--base-url <url>',
    description: 'server for openai-compatible models (vLLM, llama.cpp, LM Studio, …)',
    schema: z.string().url().optional(),
  },
  config: {
    flags: '--config <file>',
    description: 'config file (default: ./heldout.config.yaml if present)',
    schema: z.string().optional(),
  },
  json: { flags: '--json', description: 'print the summary as JSON', schema: z.boolean().default(false) },
} satisfies OptionDefs;

function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function registerRunCommands(program: Command): void {
  const run = program
    .command('run')
    .description('run an exam on one or more models (or finish a run with --resume)')
    .argument('[exam-dir]', 'exam directory')
    .option(
      '--model <spec>',
      'openai:<m>, anthropic:<m>, xai:<m>, ollama:<m>, vllm:<m>, replay:<file>, or a config name, optionally Label=<spec> (the name reports show); repeatable',
      collect,
    );
  addOptions(run, runOptionDefs);
  run.addHelpText(
    'after',
    `
Examples:
  heldout run exams/heldout-finals-2026-11 --model openai:gpt-4o --model anthropic:claude-sonnet-4-5 --samples 5
  heldout run exams/heldout-finals-2026-11 --model replay:examples/answers/strong.jsonl --out runs/demo
  heldout run --resume runs/heldout-finals-2026-11-20261126T101500Z --retry-failed
Keys come only from the environment: OPENAI_API_KEY, ANTHROPIC_API_KEY, XAI_API_KEY (or apiKeyEnv in the config).`,
  );
  run.action(async (examArg: string | undefined, _o: unknown, cmd: Command) => {
    const { loadConfig } = await import('../models/config.js');
    const { validate } = await import('../exam/source.js');
    const { isRunDir } = await import('../store/run.js');
    const { readFileSync, existsSync } = await import('node:fs');
    const config = loadConfig(cmd.opts().config);
    let runDefaults: Record<string, unknown> = {};
    if (config.doc && config.raw.run !== undefined) {
      const shape = z.looseObject({ run: configSchema(runOptionDefs).strict() });
      runDefaults = (validate(shape, config.doc, 'config') as { run: Record<string, unknown> }).run;
    }
    const o = resolveOptions(cmd, runOptionDefs, runDefaults, config.file ?? 'command line');
    const models = (cmd.opts().model as string[] | undefined) ?? [];

    const { planRun } = await import('../run/invocation.js');
    const plan = planRun({
      target: examArg,
      out: o.out,
      resume: o.resume,
      retryFailed: o.retryFailed,
      models,
      pointsColumn: o.pointsColumn,
      grader: o.grader,
      givenParams: Object.keys(runOptionDefs).filter((k) => cmd.getOptionValueSource(k) === 'cli'),
      isRunDir,
    });
    const { examDir, out, resume } = plan;
    for (const k of plan.ignoredParams) {
      process.stderr.write(
        `heldout: warning: --resume keeps the run's own parameters; ignoring ${runOptionDefs[k as keyof typeof runOptionDefs].flags.split(' ')[0]}\n`,
      );
    }
    const template = (file: string | undefined, flag: string) => {
      if (file === undefined) return undefined;
      if (!existsSync(file)) throw new HeldoutError('template file not found', { where: file, hint: flag });
      return readFileSync(file, 'utf8');
    };

    const { runExam } = await import('../run/runner.js');
    const { createProgress } = await import('./run-progress.js');
    const progress = createProgress(process.stderr);
    const interrupt = twoStageInterrupt();
    let result: Awaited<ReturnType<typeof runExam>>;
    try {
      result = await runExam({
        examDir,
        models,
        out,
        resume,
        retryFailed: o.retryFailed,
        noCache: !o.cache,
        config,
        baseUrl: o.baseUrl,
        concurrency: o.concurrency,
        timeoutMs: o.timeout * 1000,
        modelOptions: { maxRetries: o.maxRetries },
        params: {
          temperature: o.temperature,
          maxTokens: o.maxTokens,
          samples: o.samples,
          seed: o.seed,
          splitSubparts: o.splitSubparts,
          mode: o.mode ?? 'chat',
          shots: o.shots,
          systemTemplate: template(o.systemTemplate, '--system-template'),
          userTemplate: template(o.userTemplate, '--user-template'),
          pointsColumn: o.pointsColumn,
          grader: o.grader,
          unitColumn: o.unitColumn,
        },
        stop: interrupt.stop,
        abort: interrupt.abort,
        onEvent: (e) => progress.event(e),
      });
    } finally {
      progress.stop();
      interrupt.dispose();
    }
    const shown = (await import('../io/files.js')).displayPath(result.runDir);
    if (o.json) {
      printJson({ runDir: shown, status: result.manifest.status, counts: result.counts, models: result.perModel });
    } else {
      const rows = result.perModel.map((m) => [
        m.model,
        m.answered,
        m.failed,
        m.missing,
        m.cached,
        m.inputTokens,
        m.outputTokens,
        fmtMs(m.wallMs),
        m.cost === undefined ? '—' : `$${m.cost.toFixed(m.cost < 1 ? 4 : 2)}`,
      ]);
      process.stdout.write(
        `${table(rows, ['model', 'answered', 'failed', 'missing', 'cached', 'tokens in', 'tokens out', 'wall', 'est. cost'])}\n`,
      );
      const c = result.counts;
      process.stdout.write(
        `${shown}: ${c.answered + c.failed + c.missing}/${c.planned} items (${c.answered} answered, ${c.failed} failed, ${c.missing} missing)\n`,
      );
    }
    if (result.interrupted) {
      process.stderr.write(
        `heldout: interrupted: ${result.done} of ${result.todo} items done this time, all saved; finish with: heldout run --resume ${shown}\n`,
      );
      process.exitCode = ExitCode.Interrupted;
    } else if (result.counts.failed > 0) {
      process.stderr.write(
        `heldout: ${result.counts.failed} item(s) failed (see "error" in responses.jsonl); redo them with: heldout run --resume ${shown} --retry-failed\n`,
      );
      process.exitCode = ExitCode.UserError;
    } else if (result.manifest.status !== 'complete') {
      process.exitCode = ExitCode.UserError;
    }
  });

  const runs = program.command('runs').description('past runs');
  runs
    .command('list')
    .description('list the runs in a directory: id, exam, models, items, failed, date')
    .option('--dir <dir>', 'where runs live', 'runs')
    .option('--json', 'print as JSON')
    .action(async (opts: { dir: string; json?: boolean }) => {
      const { listRuns } = await import('../store/run.js');
      const list = listRuns(opts.dir);
      if (opts.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write(`no runs in ${opts.dir}\n`);
        return;
      }
      const rows = list.map((r) => [
        r.id,
        r.exam,
        r.models.join(', '),
        `${r.counts.answered + r.counts.failed + r.counts.missing}/${r.counts.planned}`,
        r.counts.failed,
        r.startedAt.slice(0, 16).replace('T', ' '),
        r.status,
      ]);
      process.stdout.write(`${table(rows, ['id', 'exam', 'models', 'items', 'failed', 'started (UTC)', 'status'])}\n`);
    });
}
