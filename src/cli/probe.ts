import type { Command } from 'commander';
import { z } from 'zod';
import { ExitCode, HeldoutError } from '../errors.js';
import { twoStageInterrupt } from './interrupt.js';
import { addOptions, collect, type OptionDefs, resolveOptions } from './options.js';
import { printJson } from './output.js';

const probeNames = ['guided', 'ts-guessing', 'min-k'] as const;

export const probeOptionDefs = {
  out: {
    flags: '--out <dir>',
    description: 'run directory the results go into (required)',
    schema: z.string().optional(),
  },
  control: {
    flags: '--control <exam-dir>',
    description: 'the held-out exam, the baseline nobody can have memorised (default: the run’s exam)',
    schema: z.string().optional(),
  },
  n: {
    flags: '--n <n>',
    description: 'items sampled per benchmark',
    schema: z.number().int().min(1).max(100000).default(100),
  },
  seed: { flags: '--seed <n>', description: 'sampling seed (recorded)', schema: z.number().int().default(1) },
  split: {
    flags: '--split <name>',
    description: 'benchmark split to sample (default: test when there is one)',
    schema: z.string().optional(),
  },
  templates: {
    flags: '--templates <dir>',
    description: 'Handlebars prompts overriding the defaults: guided.hbs, general.hbs, ts-guessing.hbs',
    schema: z.string().optional(),
  },
  alpha: {
    flags: '--alpha <p>',
    description: 'significance level of the flags',
    schema: z.number().gt(0).lt(1).default(0.05),
  },
  k: {
    flags: '--k <fraction>',
    description: 'Min-K%: share of lowest tokens averaged',
    schema: z.number().gt(0).max(1).default(0.2),
  },
  topLogprobs: {
    flags: '--top-logprobs <n>',
    description: 'Min-K%++: alternatives asked per token',
    schema: z.number().int().min(1).max(20).default(5),
  },
  resume: {
    flags: '--resume',
    description: 'finish (or add models to) the probe in --out',
    schema: z.boolean().default(false),
  },
  retryFailed: {
    flags: '--retry-failed',
    description: 'with --resume: redo failed calls',
    schema: z.boolean().default(false),
  },
  maxCost: {
    flags: '--max-cost <usd>',
    description: 'refuse to start above this estimate; stop once the spend reaches it',
    schema: z.number().min(0).optional(),
  },
  yes: {
    flags: '-y, --yes',
    description: 'start without asking (a terminal asks after the estimate)',
    schema: z.boolean().default(false),
  },
  concurrency: {
    flags: '--concurrency <n>',
    description: 'parallel calls per provider',
    schema: z.number().int().min(1).max(1000).optional(),
  },
  timeout: {
    flags: '--timeout <s>',
    description: 'per-call timeout in seconds',
    schema: z.number().positive().default(120),
  },
  maxRetries: {
    flags: '--max-retries <n>',
    description: 'retries of a failed call',
    schema: z.number().int().min(0).max(20).default(4),
  },
  cache: {
    flags: '--no-cache',
    description: 'neither read nor write the response cache',
    schema: z.boolean().default(true),
  },
  baseUrl: {
    flags: '--base-url <url>',
    description: 'server for vllm / openai-compatible models',
    schema: z.string().url().optional(),
  },
  config: {
    flags: '--config <file>',
    description: 'config file (default: ./heldout.config.yaml)',
    schema: z.string().optional(),
  },
  json: { flags: '--json', description: 'print the findings as JSON', schema: z.boolean().default(false) },
} satisfies OptionDefs;

export function registerProbeCommands(program: Command): void {
  const probe = program
    .command('probe')
    .description('ask models whether they have memorised benchmarks: guided completion, TS-Guessing, Min-K%')
    .option('--model <spec>', 'model to probe (openai-compatible); repeatable; default: the run’s models', collect)
    .option('--bench <spec>', 'benchmark: gsm8k, mmlu, math, humaneval, or label=path; repeatable', collect)
    .option(
      '--probe <names>',
      `probes to run, comma-separated: ${probeNames.join(', ')} or all (default: guided,ts-guessing)`,
      collect,
    );
  addOptions(probe, probeOptionDefs);
  probe.addHelpText(
    'after',
    `
Examples:
  heldout probe --model vllm:Qwen/Qwen2.5-7B --base-url http://127.0.0.1:8000/v1 --bench gsm8k --bench mmlu \\
    --n 200 --control exams/heldout-finals-2026-11 --out runs/qwen --probe all
  heldout probe --resume --out runs/qwen
Exit codes: 0 nothing found, 2 a model was flagged, 1 failed calls or bad input, 130 interrupted (resume later).`,
  );
  probe.action(async (_o: unknown, cmd: Command) => {
    const { loadConfig } = await import('../models/config.js');
    const config = loadConfig(cmd.opts().config);
    const o = resolveOptions(cmd, probeOptionDefs, {}, config.file ?? 'command line');
    if (!o.out) throw new HeldoutError('--out is required: the run directory the probe results go into');
    const probes = parseProbes((cmd.opts().probe as string[] | undefined) ?? []);
    if (o.retryFailed && !o.resume) throw new HeldoutError('--retry-failed goes with --resume');
    if (o.resume) {
      // A probe keeps what it was started with, so that its sample and prompts stay one experiment.
      const fixed = ['n', 'seed', 'split', 'templates', 'alpha', 'k', 'topLogprobs', 'control', 'bench', 'probe'];
      for (const k of fixed.filter((k) => cmd.getOptionValueSource(k) === 'cli')) {
        const flag = k === 'topLogprobs' ? '--top-logprobs' : `--${k}`;
        process.stderr.write(`heldout: warning: --resume keeps the probe's own parameters; ignoring ${flag}\n`);
      }
    }

    const { runProbes } = await import('../probe/run-probe.js');
    const { estimateText, findingsText } = await import('../probe/summary.js');
    const { createProgress } = await import('./run-progress.js');
    const { displayPath } = await import('../io/files.js');
    const progress = createProgress(process.stderr);
    const interrupt = twoStageInterrupt();
    let result: Awaited<ReturnType<typeof runProbes>>;
    try {
      result = await runProbes({
        out: o.out,
        models: (cmd.opts().model as string[] | undefined) ?? [],
        benches: (cmd.opts().bench as string[] | undefined) ?? [],
        control: o.control,
        n: o.n,
        seed: o.seed,
        split: o.split,
        probes,
        templatesDir: o.templates,
        alpha: o.alpha,
        k: o.k,
        topLogprobs: o.topLogprobs,
        resume: o.resume,
        retryFailed: o.retryFailed,
        maxCost: o.maxCost,
        confirm: async (estimate) => {
          process.stderr.write(`${estimateText(estimate)}\n`);
          if (o.yes || !process.stdin.isTTY || !process.stderr.isTTY) return true;
          const { confirm } = await import('@inquirer/prompts');
          return confirm({ message: 'Start the probe?', default: true }, { output: process.stderr });
        },
        config,
        baseUrl: o.baseUrl,
        concurrency: o.concurrency,
        timeoutMs: o.timeout * 1000,
        noCache: !o.cache,
        modelOptions: { maxRetries: o.maxRetries },
        stop: interrupt.stop,
        abort: interrupt.abort,
        onEvent: (e) => {
          if (e.type === 'estimate') return;
          if (e.type === 'budget') {
            progress.note(`heldout: --max-cost reached ($${e.spent.toFixed(4)} spent): no new calls`);
            return;
          }
          progress.event(e);
        },
      });
    } finally {
      progress.stop();
      interrupt.dispose();
    }
    const shown = displayPath(result.dir);
    if (o.json) {
      printJson({
        dir: shown,
        status: result.manifest.status,
        planned: result.planned,
        failed: result.failed,
        ...(result.spent !== undefined ? { spent: result.spent } : {}),
        findings: result.findings,
      });
    } else {
      process.stdout.write(`${findingsText(result.findings)}\n`);
      process.stdout.write(`${shown}: probe ${result.manifest.status}; see it in: heldout report ${shown}\n`);
    }
    if (result.interrupted) {
      process.stderr.write(
        `heldout: ${result.overBudget ? 'stopped at --max-cost' : 'interrupted'}: ${result.done} of ${result.todo} calls done this time, all saved; finish with: heldout probe --resume --out ${shown}\n`,
      );
      process.exitCode = ExitCode.Interrupted;
    } else if (result.findings.models.some((m) => m.flagged)) {
      process.exitCode = ExitCode.Contaminated;
    } else if (result.failed > 0) {
      process.stderr.write(
        `heldout: ${result.failed} call(s) failed (see "error" in probes.jsonl); redo them with: heldout probe --resume --retry-failed --out ${shown}\n`,
      );
      process.exitCode = ExitCode.UserError;
    }
  });
}

function parseProbes(values: string[]): (typeof probeNames)[number][] {
  const out = new Set<(typeof probeNames)[number]>();
  for (const v of values
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (v === 'all') for (const p of probeNames) out.add(p);
    else if ((probeNames as readonly string[]).includes(v)) out.add(v as (typeof probeNames)[number]);
    else {
      throw new HeldoutError(`--probe "${v}": unknown probe`, {
        where: 'command line',
        hint: `use ${probeNames.join(', ')} or all`,
      });
    }
  }
  return [...out];
}
