import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { readTable } from '../io/tabular.js';
import type { ModelRef } from './model-names.js';
import { leastSquares } from './stats.js';

/**
 * The published field of an exam: models whose held-out exam score and GSM8K score were published together (xAI's
 * Grok-1 announcement, Paster's dataset card, …), read from the exam's `reference.csv` or `--reference`. The report
 * draws them as grey points with their trend, and places the run's models on it: a model whose GSM8K score is far
 * above what the field's trend gives for its exam score did not carry its public-benchmark score to unseen problems.
 */

export interface ReferenceRow {
  model: string;
  /** Held-out exam score, percent. */
  exam: number;
  /** GSM8K accuracy, percent. */
  gsm8k: number;
  source?: string;
  line: number;
}

/** `model,exam,gsm8k[,source]`: percentages (0–100); a row without both numbers is an error naming its line. */
export function readReferenceCsv(file: string): ReferenceRow[] {
  const table = readTable(file);
  const shown = displayPath(file);
  for (const col of ['model', 'exam', 'gsm8k']) {
    if (!table.columns.includes(col)) {
      throw new HeldoutError(`no "${col}" column`, { where: shown, hint: 'use a header row model,exam,gsm8k,source' });
    }
  }
  return table.rows.map((row) => {
    const where = `${shown}:${row.line}`;
    const model = String(row.values.model ?? '').trim();
    if (!model) throw new HeldoutError('empty model name', { where });
    const num = (col: 'exam' | 'gsm8k') => {
      const raw = String(row.values[col] ?? '')
        .trim()
        .replace(/%$/, '');
      const v = Number(raw);
      if (!raw || !Number.isFinite(v) || v < 0 || v > 100) {
        throw new HeldoutError(`${col}: "${row.values[col] ?? ''}" is not a percentage (0–100)`, { where });
      }
      return v;
    };
    const source = String(row.values.source ?? '').trim();
    return { model, exam: num('exam'), gsm8k: num('gsm8k'), ...(source ? { source } : {}), line: row.line };
  });
}

export interface FieldPoint {
  label: string;
  /** GSM8K (x) and exam (y), percent. */
  x: number;
  y: number;
  /** GSM8K minus what the field's trend gives for this exam score, in points. */
  residual: number;
  /** residual / the field's residual SD. */
  z?: number;
  flagged: boolean;
  source?: string;
  model?: ModelRef;
}

export interface ReferenceFieldView {
  file?: string;
  /** The trend of the field: GSM8K = slope · exam + intercept. */
  slope: number;
  intercept: number;
  residualSd?: number;
  threshold: number;
  reference: FieldPoint[];
  run: FieldPoint[];
  /** Run models with an exam score but no GSM8K score (so not on the chart). */
  missing: string[];
  sources: string[];
}

export const FIELD_THRESHOLD = 1.5;

/**
 * Fits the field's trend (GSM8K on exam score, least squares over the published models only) and measures every
 * model's GSM8K residual against it. A residual above `threshold` residual SDs is flagged.
 */
export function referenceField(
  rows: ReferenceRow[],
  runModels: { model: ModelRef; exam: number; gsm8k?: number }[],
  opts: { file?: string; threshold?: number } = {},
): ReferenceFieldView | undefined {
  const threshold = opts.threshold ?? FIELD_THRESHOLD;
  const fit = leastSquares(
    rows.map((r) => r.exam),
    rows.map((r) => r.gsm8k),
  );
  if (!fit) return undefined;
  const predict = (exam: number) => fit.slope * exam + fit.intercept;
  const residuals = rows.map((r) => r.gsm8k - predict(r.exam));
  const sse = residuals.reduce((s, r) => s + r * r, 0);
  const residualSd = rows.length >= 3 ? Math.sqrt(sse / (rows.length - 2)) : undefined;
  const point = (label: string, exam: number, gsm8k: number): FieldPoint => {
    const residual = gsm8k - predict(exam);
    const z = residualSd && residualSd > 1e-9 ? residual / residualSd : undefined;
    return { label, x: gsm8k, y: exam, residual, z, flagged: z !== undefined && z > threshold };
  };
  return {
    file: opts.file,
    slope: fit.slope,
    intercept: fit.intercept,
    residualSd,
    threshold,
    reference: rows.map((r) => ({ ...point(r.model, r.exam, r.gsm8k), source: r.source })),
    run: runModels
      .filter((m): m is { model: ModelRef; exam: number; gsm8k: number } => typeof m.gsm8k === 'number')
      .map((m) => ({ ...point(m.model.label, m.exam, m.gsm8k), model: m.model })),
    missing: runModels.filter((m) => typeof m.gsm8k !== 'number').map((m) => m.model.label),
    sources: [...new Set(rows.map((r) => r.source).filter((s): s is string => !!s))],
  };
}
