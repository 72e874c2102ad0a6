import { ExitCode } from '../errors.js';
import { cachedSourceLanguage } from './bench/index-cache.js';
import type { BadLine, BenchmarkSource } from './bench/source.js';
import { checkText } from './check/check-text.js';
import { type PreparedSource, prepareSource } from './check/prepare.js';
import type { CheckText, TextResult } from './check/result.js';
import {
  autoN,
  type CheckOptions,
  GPT3_N,
  GPT4_SAMPLE_CHARS,
  GPT4_SAMPLES,
  indexSpecs,
  norms,
  PALM_THRESHOLD,
  RULE_NAMES,
  type RuleName,
  TEMPLATE_N,
  TEMPLATE_THRESHOLD,
  type Verdict,
} from './check/rules.js';
import { type Coverage, coverage } from './coverage.js';
import { sourceLanguage } from './text/language.js';
import { normalizationId } from './text/tokens.js';

/** Version of the `heldout check --json` document (docs/formats.md). */
export const CHECK_FORMAT = 'heldout-check/1';

export interface SourceSummary {
  label: string;
  name: string;
  split?: string;
  splits: string[];
  hash: string;
  count: number;
  path: string;
  language?: string;
  origin?: BenchmarkSource['origin'];
  files: { path: string; sha256: string; split: string; items: number }[];
  duplicates?: BenchmarkSource['duplicates'];
  badLines: number;
  badLineSamples: BadLine[];
}

export interface AnswerResult extends TextResult {
  model?: string;
  questionId?: string;
}

export type RuleCounts = Record<Verdict, number>;

export interface CheckResult {
  format: typeof CHECK_FORMAT;
  subject: { kind: 'exam'; id: string; hash?: string; dir: string } | { kind: 'items'; file: string; field: string };
  rules: RuleName[];
  n: number;
  nMode: 'auto' | 'fixed';
  normalization: { rules: string; template: string };
  thresholds: { palm: number; template: number; templateN: number; gpt4Chars: number; gpt4Samples: number };
  sources: SourceSummary[];
  items: TextResult[];
  /** With `--run`: model answers checked against benchmark solutions. */
  run?: { file: string };
  answers?: AnswerResult[];
  summary: {
    items: number;
    contaminated: number;
    notComparable: number;
    templateMatches: number;
    byRule: Partial<Record<RuleName, RuleCounts>>;
    /** Per rule: texts compared, not comparable and why; texts no rule compared. */
    coverage: Coverage;
    answers?: {
      total: number;
      contaminated: number;
      byRule: Partial<Record<RuleName, RuleCounts>>;
      coverage: Coverage;
    };
  };
  contaminated: boolean;
  exitCode: number;
}

export interface CheckInput {
  subject: CheckResult['subject'];
  items: CheckText[];
  answers?: (CheckText & { model?: string; questionId?: string })[];
  run?: { file: string };
}

function counts(results: TextResult[], rules: RuleName[]): Partial<Record<RuleName, RuleCounts>> {
  const out: Partial<Record<RuleName, RuleCounts>> = {};
  for (const r of rules) {
    const c: RuleCounts = { clean: 0, contaminated: 0, 'not-comparable': 0 };
    for (const x of results) c[x.verdicts[r] ?? 'not-comparable']++;
    out[r] = c;
  }
  return out;
}

const anyContaminated = (r: TextResult) => Object.values(r.verdicts).includes('contaminated');

/**
 * Checks exam items against benchmark questions and (optionally) model answers against benchmark
 * solutions. Indexes are built once per (source, rule) and cached on disk.
 */
export function checkContamination(
  input: CheckInput,
  sources: BenchmarkSource[],
  opts: CheckOptions = {},
): CheckResult {
  const rules = opts.rules?.length ? [...new Set(opts.rules)] : [...RULE_NAMES];
  const nMode = opts.n === 'auto' ? 'auto' : 'fixed';
  const n = opts.n === 'auto' ? autoN(input.items.map((t) => t.text)) : (opts.n ?? GPT3_N);
  const languages = new Map(
    sources.map((s) => [s.hash, cachedSourceLanguage(s.hash, () => sourceLanguage(s), opts)] as const),
  );

  const prepare = (field: 'text' | 'solution'): PreparedSource[] =>
    sources
      .filter((s) => field === 'text' || s.items.some((i) => i.solution))
      .map((s) => prepareSource(s, indexSpecs(field, n, rules, opts), opts, languages.get(s.hash)));

  const preparedText = prepare('text');
  const items = input.items.map((t) => checkText(t, preparedText, 'text', n, rules, opts));
  let answers: AnswerResult[] | undefined;
  if (input.answers) {
    const prepared = prepare('solution');
    answers = input.answers.map((a) => ({
      ...checkText(a, prepared, 'solution', n, rules, opts),
      model: a.model,
      questionId: a.questionId,
    }));
  }
  const contaminated = items.some(anyContaminated) || (answers?.some(anyContaminated) ?? false);
  const { rule, template } = norms(opts);
  return {
    format: CHECK_FORMAT,
    subject: input.subject,
    rules,
    n,
    nMode,
    normalization: { rules: normalizationId(rule), template: normalizationId(template) },
    thresholds: {
      palm: PALM_THRESHOLD,
      template: TEMPLATE_THRESHOLD,
      templateN: TEMPLATE_N,
      gpt4Chars: GPT4_SAMPLE_CHARS,
      gpt4Samples: GPT4_SAMPLES,
    },
    sources: sources.map((s) => ({
      label: s.label,
      name: s.name,
      split: s.split,
      splits: s.splits,
      hash: s.hash,
      count: s.items.length,
      path: s.path,
      language: languages.get(s.hash),
      origin: s.origin,
      files: s.files.map((f) => ({ path: f.path, sha256: f.sha256, split: f.split, items: f.items })),
      duplicates: s.duplicates,
      badLines: s.badLines.length,
      badLineSamples: s.badLines.slice(0, 10),
    })),
    items,
    run: input.run,
    answers,
    summary: {
      items: items.length,
      contaminated: items.filter(anyContaminated).length,
      notComparable: items.filter((r) => !anyContaminated(r) && Object.values(r.verdicts).includes('not-comparable'))
        .length,
      templateMatches: items.filter((r) => r.templateMatch).length,
      byRule: counts(items, rules),
      coverage: coverage(items, rules),
      answers: answers
        ? {
            total: answers.length,
            contaminated: answers.filter(anyContaminated).length,
            byRule: counts(answers, rules),
            coverage: coverage(answers, rules),
          }
        : undefined,
    },
    contaminated,
    exitCode: contaminated ? ExitCode.Contaminated : ExitCode.Ok,
  };
}
