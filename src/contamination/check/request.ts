import { HeldoutError } from '../../errors.js';
import { loadExam } from '../../exam/load.js';
import { examHash } from '../../exam/model.js';
import { loadBenchmarkSources } from '../bench/load.js';
import { defaultBenchmarkSpecs, howToGetBenchmarks } from '../bench/locate.js';
import type { BenchmarkSource } from '../bench/source.js';
import { type CheckInput, type CheckResult, checkContamination } from '../run-check.js';
import type { InfiniGramResult } from '../scan/infinigram.js';
import { examTexts, itemsFileTexts, runAnswerTexts } from '../texts.js';
import { contaminationGate } from './gate.js';
import { type CheckOptions, RULE_NAMES, type RuleName } from './rules.js';

/**
 * `heldout check` as one call: what to check, against which benchmarks, under which rules, and the exit code a CI
 * job gets. The command line only parses options into a request and prints the outcome.
 */
export interface CheckRequest {
  /** An exam directory, or `items`: the texts of a .jsonl or .csv file. */
  exam?: string;
  items?: { file: string; field?: string; idField?: string };
  /** A run directory whose model answers are checked against benchmark solutions. */
  run?: string;
  /** `--bench` specs as given; none means every known benchmark available offline. */
  benches: string[];
  benchField?: string;
  benchSolutionField?: string;
  /** `--rule` values as given (comma lists allowed); none or `all` means every rule. */
  rules: string[];
  options: Omit<CheckOptions, 'rules'>;
  /** A model spec to ask whether each text and its closest benchmark item are the same problem. */
  confirm?: string;
  infiniGram?: { index: string; endpoint?: string };
  /** Flagged texts tolerated before the exit code says contaminated. */
  maxContaminated?: number;
}

export type CheckOutcomeResult = CheckResult & { infiniGram?: InfiniGramResult };

export interface CheckOutcome {
  result: CheckOutcomeResult;
  /** Pairs the `confirm` model was asked about. */
  confirmed?: number;
  /** Texts counted against `maxContaminated`. */
  flagged: number;
}

export async function runCheckRequest(
  req: CheckRequest,
  hooks: { onWarning?: (message: string) => void } = {},
): Promise<CheckOutcome> {
  const benches = benchmarkSpecs(req);
  requireOneSubject(req);
  const rules = parseRules(req.rules);
  const input = readInput(req);
  const sources =
    benches.length === 0
      ? []
      : await loadBenchmarkSources(benches, { fieldName: req.benchField, solutionField: req.benchSolutionField });
  const result: CheckOutcomeResult = checkContamination(input, sources, { ...req.options, rules });
  const confirmed = req.confirm ? await confirm(req.confirm, result, input, sources, hooks) : undefined;
  if (req.infiniGram) {
    const { countNgrams } = await import('../scan/infinigram.js');
    result.infiniGram = await countNgrams(input.items, {
      index: req.infiniGram.index,
      endpoint: req.infiniGram.endpoint,
      cacheDir: req.options.cache === false ? undefined : '.heldout-cache/infini-gram',
    });
    if (result.infiniGram.items.some((i) => i.found > 0)) result.contaminated = true;
  }
  const gate = contaminationGate(result, req.maxContaminated);
  result.exitCode = gate.exitCode;
  return { result, confirmed, flagged: gate.flagged };
}

/** The benchmarks to load; with none given, every known one found offline (unless only infini-gram is asked). */
function benchmarkSpecs(req: CheckRequest): string[] {
  const benches = [...req.benches];
  if (benches.length === 0 && !req.infiniGram) benches.push(...defaultBenchmarkSpecs());
  if (benches.length === 0 && !req.infiniGram) {
    throw new HeldoutError('no benchmark given', {
      hint: `pass --bench <name|dir|file> (or --infini-gram <index>); ${howToGetBenchmarks()}`,
    });
  }
  return benches;
}

/** Exactly one subject: an exam, or a file of texts with the field that holds them. */
function requireOneSubject(req: CheckRequest): void {
  if (!req.exam && !req.items) {
    throw new HeldoutError('nothing to check', { hint: 'give an exam directory, or --items <file> --field <name>' });
  }
  if (req.exam && req.items) throw new HeldoutError('give an exam directory or --items, not both');
  if (req.items && !req.items.field) {
    throw new HeldoutError('--items needs --field <name>', { hint: 'the field holding the text' });
  }
}

/** `--rule` values (repeatable, comma lists, `all`) as rule names. */
export function parseRules(args: readonly string[]): RuleName[] {
  const names = (args.length ? args : ['all']).flatMap((r) => r.split(','));
  for (const r of names) {
    if (r !== 'all' && !(RULE_NAMES as readonly string[]).includes(r)) {
      throw new HeldoutError(`unknown rule "${r}"`, { where: '--rule', hint: `use ${RULE_NAMES.join(', ')} or all` });
    }
  }
  return names.includes('all') ? [...RULE_NAMES] : (names as RuleName[]);
}

/** The texts to check, and with a run the model answers (in the exam's language, which then decides). */
function readInput(req: CheckRequest): CheckInput {
  let input: CheckInput;
  let language: string | undefined;
  if (req.items) {
    const { file, field, idField = 'id' } = req.items;
    input = { subject: { kind: 'items', file, field: field! }, items: itemsFileTexts(file, field!, idField) };
  } else {
    const loaded = loadExam(req.exam!);
    language = loaded.exam.language;
    input = {
      subject: { kind: 'exam', id: loaded.exam.id, hash: examHash(loaded.exam), dir: req.exam! },
      items: examTexts(loaded),
    };
  }
  if (req.run) {
    const { file, answers } = runAnswerTexts(req.run, language);
    input.answers = answers;
    input.run = { file };
  }
  return input;
}

async function confirm(
  spec: string,
  result: CheckResult,
  input: CheckInput,
  sources: BenchmarkSource[],
  hooks: { onWarning?: (message: string) => void },
): Promise<number> {
  const { openModel } = await import('../../models/index.js');
  const { confirmMatches } = await import('../confirm.js');
  const model = openModel(spec, { flag: '--confirm' });
  return confirmMatches(result, input, sources, model, {
    onError: (err) => hooks.onWarning?.(`--confirm: ${err.message}`),
  });
}
