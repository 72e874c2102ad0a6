import { MIN_POINTS } from '../grading/paired.js';
import type { Empty, Hints } from './empty-section.js';
import type { BenchmarkRow, ReportInputs, ScoreInput } from './inputs.js';
import type { ModelRef } from './model-names.js';
import { type ReferenceFieldView, referenceField } from './reference-field.js';
import { type OverfitAnalysis, type OverfitPoint, overfitAnalysis } from './stats.js';

/**
 * The "Held-out vs public benchmarks" section: each model's exam score against its public GSM8K and MATH scores
 * (a fit that flags suspected overfitting), and the exam's published field when it ships one.
 */

export interface ScatterView extends Omit<OverfitAnalysis, 'points'> {
  metric: 'gsm8k' | 'math';
  metricLabel: string;
  points: (OverfitPoint & { model: ModelRef })[];
}

export interface BenchmarksSection {
  scatters: ScatterView[];
  unmatchedCsv: string[];
  missingModels: ModelRef[];
  source?: string;
  empty?: Empty;
  /** The exam's published field (reference.csv) with the run's models placed on its trend. */
  field?: ReferenceFieldView;
  /** Why there is no field: the exam ships no reference, or it is too small to fit. */
  fieldNote?: string;
  /** Shown under the section when a fit rests on too few models to mean much. */
  caveat?: string;
}

/** `fictional`: the page's notes on example data (a fit on fictional scores says so). */
export function benchmarksSection(
  inputs: Pick<ReportInputs, 'benchmarks' | 'benchmarksFile' | 'reference' | 'referenceFile' | 'exam' | 'score'>,
  models: ModelRef[],
  fictional: string[],
  hints: Hints,
): BenchmarksSection {
  const { score } = inputs;
  const benchmarks = inputs.benchmarks?.length
    ? { ...buildScatters(models, score, inputs.benchmarks), source: inputs.benchmarksFile }
    : { scatters: [], unmatchedCsv: [], missingModels: [], source: inputs.benchmarksFile };
  const field = publishedField(inputs, models, score);
  return {
    ...benchmarks,
    ...field,
    caveat: benchmarkCaveat(benchmarks.scatters, fictional),
    empty:
      benchmarks.scatters.length || field.field
        ? undefined
        : inputs.benchmarks?.length
          ? {
              message: `Fewer than two run models have both an exam score and a public benchmark score in ${inputs.benchmarksFile ?? 'the CSV'}. CSV rows are matched to models by exact spec or by short name (${models.map((m) => m.label).join(', ') || 'none'}).`,
            }
          : {
              message:
                'Give public benchmark scores for the models in a CSV with columns model,gsm8k,math (accuracy 0–1 or percent).',
              command: `heldout report ${hints.runDir} --benchmarks-file scores.csv`,
            },
  };
}

/** CSV rows are matched to run models by exact spec, then by label, ignoring case. */
export function matchBenchmarks(
  models: ModelRef[],
  rows: BenchmarkRow[],
): { matched: Map<number, BenchmarkRow>; unmatchedCsv: string[] } {
  const matched = new Map<number, BenchmarkRow>();
  const used = new Set<BenchmarkRow>();
  const norm = (s: string) => s.trim().toLowerCase();
  for (const pass of ['spec', 'label'] as const) {
    for (const m of models) {
      if (matched.has(m.index)) continue;
      const key = norm(pass === 'spec' ? m.spec : m.label);
      const row = rows.find((r) => !used.has(r) && norm(r.model) === key);
      if (row) {
        matched.set(m.index, row);
        used.add(row);
      }
    }
  }
  return { matched, unmatchedCsv: rows.filter((r) => !used.has(r)).map((r) => r.model) };
}

/** Accuracy as a percentage: the CSV may hold 0–1 or 0–100. */
function asPercent(values: number[]): number[] {
  return values.every((v) => v <= 1) ? values.map((v) => v * 100) : values;
}

function buildScatters(
  models: ModelRef[],
  score: ScoreInput | undefined,
  rows: BenchmarkRow[],
): Pick<BenchmarksSection, 'scatters' | 'unmatchedCsv' | 'missingModels'> {
  const { matched, unmatchedCsv } = matchBenchmarks(models, rows);
  const percentOf = new Map(score?.models.map((m) => [m.model, m.percent]) ?? []);
  const scatters: ScatterView[] = [];
  for (const metric of ['gsm8k', 'math'] as const) {
    const pts = models
      .map((m) => ({ m, bench: matched.get(m.index)?.[metric], exam: percentOf.get(m.spec) }))
      .filter(
        (p): p is { m: ModelRef; bench: number; exam: number } =>
          typeof p.bench === 'number' && Number.isFinite(p.bench) && typeof p.exam === 'number',
      );
    if (pts.length < 2) continue;
    const allMetric = rows.map((r) => r[metric]).filter((v): v is number => typeof v === 'number');
    const xs = allMetric.every((v) => v <= 1) ? pts.map((p) => p.bench * 100) : asPercent(pts.map((p) => p.bench));
    const fit = overfitAnalysis(
      xs,
      pts.map((p) => p.exam),
    );
    if (!fit) continue;
    scatters.push({
      metric,
      metricLabel: metric === 'gsm8k' ? 'GSM8K' : 'MATH',
      points: fit.points.map((p, i) => ({ model: pts[i].m, ...p })),
      slope: fit.slope,
      intercept: fit.intercept,
      r2: fit.r2,
      residualSd: fit.residualSd,
      threshold: fit.threshold,
      flagPossible: fit.flagPossible,
    });
  }
  return {
    scatters,
    unmatchedCsv,
    missingModels: models.filter((m) => !matched.has(m.index)),
  };
}

/** The exam's published field, when it ships one (or --reference gives one); else a note that it has none. */
function publishedField(
  inputs: Pick<ReportInputs, 'benchmarks' | 'reference' | 'referenceFile' | 'exam'>,
  models: ModelRef[],
  score: ScoreInput | undefined,
): { field?: ReferenceFieldView; fieldNote?: string } {
  if (!inputs.reference?.length) {
    return {
      fieldNote: `No published results are known for exam "${inputs.exam.id}" (it ships no reference.csv), so there is no field of published models to compare with; give one with \`heldout report --reference results.csv\` (columns model,exam,gsm8k,source).`,
    };
  }
  const { matched } = matchBenchmarks(models, inputs.benchmarks ?? []);
  const percentOf = new Map(score?.models.map((m) => [m.model, m.percent]) ?? []);
  const gsm = (inputs.benchmarks ?? []).map((r) => r.gsm8k).filter((v): v is number => typeof v === 'number');
  const fraction = gsm.length > 0 && gsm.every((v) => v <= 1);
  const runModels = models
    .filter((m) => percentOf.has(m.spec))
    .map((m) => {
      const g = matched.get(m.index)?.gsm8k;
      return { model: m, exam: percentOf.get(m.spec)!, gsm8k: g === undefined ? undefined : fraction ? g * 100 : g };
    });
  const field = referenceField(inputs.reference, runModels, { file: inputs.referenceFile });
  return field
    ? { field }
    : { fieldNote: `${inputs.referenceFile ?? 'The reference'} has too few distinct results to draw a trend.` };
}

function benchmarkCaveat(scatters: ScatterView[], fictional: string[]): string | undefined {
  const few = scatters.filter((s) => s.points.length < MIN_POINTS);
  const notes: string[] = [];
  if (few.length) {
    notes.push(
      `Caveat: the ${few.map((s) => s.metricLabel).join(' and ')} fit${few.length > 1 ? 's rest' : ' rests'} on ${few.map((s) => s.points.length).join(' and ')} models; with fewer than ${MIN_POINTS}, R², the line and the flags are illustrations, not evidence.`,
    );
  }
  const fict = fictional.find((f) => /benchmark scores/.test(f));
  if (scatters.length && fict) notes.push(fict);
  return notes.length ? notes.join(' ') : undefined;
}
