import type { Command } from 'commander';
import { z } from 'zod';
import { ExitCode } from '../errors.js';
import { addOptions, collect, type OptionDefs } from './options.js';
import { printJson, table } from './output.js';

export const checkOptionDefs = {
  n: {
    flags: '--n <auto|N>',
    description: 'n for gpt3-13gram: a number, or auto = 5th-percentile item length in words, clamped to [8, 13]',
    schema: z.union([z.literal('auto'), z.coerce.number().int().min(2).max(100)]).default(13),
  },
  run: {
    flags: '--run <run-dir>',
    description: 'also check the model answers in runs/<id>/responses.jsonl against benchmark solutions',
    schema: z.string().optional(),
  },
  items: {
    flags: '--items <file>',
    description: 'check the texts in a .jsonl or .csv file instead of an exam (with --field)',
    schema: z.string().optional(),
  },
  field: {
    flags: '--field <name>',
    description: 'with --items: the field or column holding the text',
    schema: z.string().optional(),
  },
  idField: {
    flags: '--id-field <name>',
    description: 'with --items: the field holding ids (else file:line)',
    schema: z.string().default('id'),
  },
  benchField: {
    flags: '--bench-field <name>',
    description: 'for a generic benchmark file (not GSM8K/MATH/MMLU/HumanEval): the field holding the text',
    schema: z.string().optional(),
  },
  benchSolutionField: {
    flags: '--bench-solution-field <name>',
    description: 'for a generic benchmark file: the field holding the solution (for --run)',
    schema: z.string().optional(),
  },
  latex: {
    flags: '--latex',
    description: 'LaTeX-aware normalisation for the rules (strip $, \\left/\\right, \\text{}; \\dfrac → \\frac)',
    schema: z.boolean().optional(),
  },
  stem: {
    flags: '--stem',
    description: 'Porter-stem English words before comparing',
    schema: z.boolean().optional(),
  },
  tokenizer: {
    flags: '--tokenizer <name>',
    description: "whitespace (the janitor's) or word (natural's word tokenisers)",
    schema: z.enum(['whitespace', 'word']).default('whitespace'),
  },
  top: {
    flags: '--top <k>',
    description: 'benchmark items listed per item and rule',
    schema: z.number().int().min(1).max(100).default(5),
  },
  seed: {
    flags: '--seed <seed>',
    description: 'seed of the gpt4-50char samples',
    schema: z.string().default('heldout'),
  },
  json: { flags: '--json', description: 'print the full result as JSON', schema: z.boolean().optional() },
  format: {
    flags: '--format <format>',
    description: 'table (default), json, or md (a pull-request comment)',
    schema: z.enum(['table', 'json', 'md']).optional(),
  },
  out: {
    flags: '--out <file>',
    description: 'also write the full JSON result to this file (for `heldout report`)',
    schema: z.string().optional(),
  },
  confirm: {
    flags: '--confirm <model-spec>',
    description:
      'ask a model whether each item and its closest benchmark item are the same problem (shown, not a verdict)',
    schema: z.string().optional(),
  },
  cache: {
    flags: '--no-cache',
    description: 'do not read or write cached indexes',
    schema: z.boolean().default(true),
  },
  infiniGram: {
    flags: '--infini-gram <index>',
    description:
      "also count each item's 13-word windows in a huge corpus via the infini-gram API (e.g. v4_piletrain_llama)",
    schema: z.string().optional(),
  },
  maxContaminated: {
    flags: '--max-contaminated <n>',
    description:
      'exit 2 only when more than n texts are flagged (exam items, answers with --run, infini-gram hits); default 0',
    schema: z.number().int().min(0).optional(),
    config: true,
  },
  config: {
    flags: '--config <file>',
    description: 'config file (default: ./heldout.config.yaml if present); its check: section sets defaults',
    schema: z.string().optional(),
  },
  infiniGramEndpoint: {
    flags: '--infini-gram-endpoint <url>',
    description: 'infini-gram API endpoint',
    schema: z.string().default('https://api.infini-gram.io/'),
  },
} satisfies OptionDefs;

export function registerCheckCommands(program: Command): void {
  const check = program
    .command('check')
    .description('contamination check: n-gram overlap of an exam (and model answers) with public benchmarks')
    .argument('[exam-dir]', 'exam directory (or use --items)')
    .option(
      '--bench <spec>',
      'benchmark: gsm8k|math|mmlu|humaneval (pulled, else the offline pack), a file or directory, or label=path; repeatable (default: all four)',
      collect,
    )
    .option('--rule <rule>', 'gpt3-13gram, palm-8gram-70, gpt4-50char or all (default: all); repeatable', collect);
  addOptions(check, checkOptionDefs);
  check.addHelpText(
    'after',
    `
Exit codes: 0 clean (or within --max-contaminated), 2 contaminated under some rule (CI can gate on it), 1 bad input.
--max-contaminated can also be set in heldout.config.yaml under check: (maxContaminated: 0).

Examples:
  heldout check exams/heldout-finals-2026-11 --bench gsm8k=../shared/benchmarks/gsm8k --bench math=../shared/benchmarks/math
  heldout check exams/heldout-finals-2026-11 --bench gsm8k --rule gpt3-13gram --n auto --json
  heldout check --items questions.jsonl --field question --bench mmlu --format md
  heldout check exams/heldout-finals-2026-11 --bench gsm8k --run runs/demo`,
  );
  check.action(async (examArg: string | undefined, _o: unknown, cmd: Command) => {
    const { resolveWithConfig } = await import('./config-section.js');
    const o = await resolveWithConfig(cmd, checkOptionDefs, 'check', cmd.opts().config as string | undefined);
    const format = o.format ?? (o.json ? 'json' : 'table');
    const progress = process.stderr.isTTY && format !== 'json';
    const { runCheckRequest } = await import('../contamination/check/request.js');
    const { result, confirmed, flagged } = await runCheckRequest(
      {
        exam: examArg,
        items: o.items ? { file: o.items, field: o.field, idField: o.idField } : undefined,
        run: o.run,
        benches: (cmd.opts().bench as string[] | undefined) ?? [],
        benchField: o.benchField,
        benchSolutionField: o.benchSolutionField,
        rules: (cmd.opts().rule as string[] | undefined) ?? [],
        options: {
          n: o.n,
          latex: o.latex,
          stem: o.stem,
          tokenizer: o.tokenizer,
          topK: o.top,
          seed: o.seed,
          cache: o.cache,
          onIndex: (e) => {
            if (e.status === 'built' && (progress || e.ms > 2000)) {
              process.stderr.write(
                `indexed ${e.source} (${e.spec.field}, ${e.spec.kind} ${e.spec.n}-grams, ${e.spec.normalization}) in ${(e.ms / 1000).toFixed(1)} s\n`,
              );
            }
          },
        },
        confirm: o.confirm,
        infiniGram: o.infiniGram ? { index: o.infiniGram, endpoint: o.infiniGramEndpoint } : undefined,
        maxContaminated: o.maxContaminated,
      },
      { onWarning: (message) => process.stderr.write(`heldout: warning: ${message}\n`) },
    );
    if (confirmed !== undefined && format !== 'json')
      process.stderr.write(`asked ${o.confirm} about ${confirmed} pair(s)\n`);
    if (o.out) {
      const { writeFileAtomic } = await import('../io/write-file.js');
      writeFileAtomic(o.out, `${JSON.stringify(result, null, 2)}\n`, { flag: '--out', example: 'contamination.json' });
    }
    if (format === 'json') printJson(result);
    else {
      const { renderCheckMarkdown, renderCheckTable } = await import('../contamination/render.js');
      process.stdout.write(`${format === 'md' ? renderCheckMarkdown(result) : renderCheckTable(result, table)}\n`);
      const infini = result.infiniGram;
      if (infini) {
        const rows = infini.items.map((it) => [it.id, it.ngrams.length, it.found, it.maxCount]);
        process.stdout.write(
          `\ninfini-gram ${infini.index}: occurrences of each item's ${infini.n}-word windows\n${table(rows, ['item', 'asked', 'found', 'max count'])}\n`,
        );
      }
    }
    if (o.maxContaminated !== undefined && format !== 'json') {
      const within = result.exitCode === ExitCode.Ok ? 'within' : 'over';
      process.stderr.write(`${flagged} flagged, ${within} --max-contaminated ${o.maxContaminated}\n`);
    }
    process.exitCode = result.exitCode;
  });
}
