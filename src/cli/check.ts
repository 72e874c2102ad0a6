import type { Command } from 'commander';
import { z } from 'zod';
import { ExitCode, HeldoutError } from '../errors.js';
import { addOptions, collect, type OptionDefs } from './options.js';
import { printJson, table } from './output.js';

const RULES = ['gpt3-13gram', 'palm-8gram-70', 'gpt4-50char'] as const;

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
    const benches = (cmd.opts().bench as string[] | undefined) ?? [];
    const { defaultBenchmarkSpecs, howToGetBenchmarks, loadBenchmarkSources } = await import(
      '../contamination/benchmarks.js'
    );
    // No --bench: every known benchmark, from the pull cache or else the offline pack (unless only infini-gram).
    if (benches.length === 0 && !o.infiniGram) benches.push(...defaultBenchmarkSpecs());
    if (benches.length === 0 && !o.infiniGram) {
      throw new HeldoutError('no benchmark given', {
        hint: `pass --bench <name|dir|file> (or --infini-gram <index>); ${howToGetBenchmarks()}`,
      });
    }
    if (!examArg && !o.items) {
      throw new HeldoutError('nothing to check', { hint: 'give an exam directory, or --items <file> --field <name>' });
    }
    if (examArg && o.items) throw new HeldoutError('give an exam directory or --items, not both');
    if (o.items && !o.field)
      throw new HeldoutError('--items needs --field <name>', { hint: 'the field holding the text' });
    const format = o.format ?? (o.json ? 'json' : 'table');

    const { checkContamination } = await import('../contamination/run-check.js');
    const texts = await import('../contamination/texts.js');
    let input: Parameters<typeof checkContamination>[0];
    if (o.items) {
      input = {
        subject: { kind: 'items', file: o.items, field: o.field! },
        items: texts.itemsFileTexts(o.items, o.field!, o.idField),
      };
    } else {
      const { loadExam } = await import('../exam/load.js');
      const { examHash } = await import('../exam/model.js');
      const loaded = loadExam(examArg!);
      input = {
        subject: { kind: 'exam', id: loaded.exam.id, hash: examHash(loaded.exam), dir: examArg! },
        items: texts.examTexts(loaded),
      };
    }
    if (o.run) {
      // Answers to an exam are in the exam's language; with --items nothing is declared and detection decides.
      const language = o.items ? undefined : (await import('../exam/load.js')).loadExam(examArg!).exam.language;
      const { file, answers } = texts.runAnswerTexts(o.run, language);
      input.answers = answers;
      input.run = { file };
    }
    const sources =
      benches.length === 0
        ? []
        : await loadBenchmarkSources(benches, {
            fieldName: o.benchField,
            solutionField: o.benchSolutionField,
          });
    const ruleArgs = ((cmd.opts().rule as string[] | undefined) ?? ['all']).flatMap((r) => r.split(','));
    for (const r of ruleArgs) {
      if (r !== 'all' && !(RULES as readonly string[]).includes(r)) {
        throw new HeldoutError(`unknown rule "${r}"`, { where: '--rule', hint: `use ${RULES.join(', ')} or all` });
      }
    }
    const rules = ruleArgs.includes('all') ? [...RULES] : (ruleArgs as (typeof RULES)[number][]);
    const progress = process.stderr.isTTY && format !== 'json';
    const result = checkContamination(input, sources, {
      rules,
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
    });
    if (o.confirm) {
      const { openModel } = await import('../models/index.js');
      const { confirmMatches } = await import('../contamination/confirm.js');
      const model = openModel(o.confirm, { flag: '--confirm' });
      const asked = await confirmMatches(result, input, sources, model, {
        onError: (err) => process.stderr.write(`heldout: warning: --confirm: ${err.message}\n`),
      });
      if (format !== 'json') process.stderr.write(`asked ${o.confirm} about ${asked} pair(s)\n`);
    }
    let infini: import('../contamination/scan/infinigram.js').InfiniGramResult | undefined;
    if (o.infiniGram) {
      const { countNgrams } = await import('../contamination/scan/infinigram.js');
      infini = await countNgrams(input.items, {
        index: o.infiniGram,
        endpoint: o.infiniGramEndpoint,
        cacheDir: o.cache ? '.heldout-cache/infini-gram' : undefined,
      });
      Object.assign(result, { infiniGram: infini });
      if (infini.items.some((i) => i.found > 0)) result.contaminated = true;
    }
    const { contaminationGate } = await import('../contamination/max-contaminated.js');
    const gate = contaminationGate(result as Parameters<typeof contaminationGate>[0], o.maxContaminated);
    result.exitCode = gate.exitCode;
    if (o.out) {
      const { writeFileAtomic } = await import('../io/write-file.js');
      writeFileAtomic(o.out, `${JSON.stringify(result, null, 2)}\n`, { flag: '--out', example: 'contamination.json' });
    }
    if (format === 'json') printJson(result);
    else {
      const { renderCheckMarkdown, renderCheckTable } = await import('../contamination/render.js');
      process.stdout.write(`${format === 'md' ? renderCheckMarkdown(result) : renderCheckTable(result, table)}\n`);
      if (infini) {
        const rows = infini.items.map((it) => [it.id, it.ngrams.length, it.found, it.maxCount]);
        process.stdout.write(
          `\ninfini-gram ${infini.index}: occurrences of each item's ${infini.n}-word windows\n${table(rows, ['item', 'asked', 'found', 'max count'])}\n`,
        );
      }
    }
    if (o.maxContaminated !== undefined && format !== 'json') {
      process.stderr.write(
        `${gate.flagged} flagged, ${gate.exitCode === ExitCode.Ok ? 'within' : 'over'} --max-contaminated ${o.maxContaminated}\n`,
      );
    }
    process.exitCode = result.exitCode;
  });
}
