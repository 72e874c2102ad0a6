import type { Exam, Rubric } from '../exam/schema.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';

/**
 * What the report is built from: plain data, read from a run directory (and the optional check and benchmark
 * files) by `load.ts`. The shapes mirror the JSON that `heldout score --json`, `heldout agreement --json` and
 * `heldout check --json` print; fields this module does not know are ignored.
 */
export interface ScoreInput {
  models: ScoreModelInput[];
}

export interface ScoreModelInput {
  model: string;
  points: number;
  maxPoints: number;
  percent: number;
  parts: { id: string; points: number; maxPoints: number }[];
  questions: {
    id: string;
    points: number;
    maxPoints: number;
    grader?: string;
    /** False for a question that a `choose` part did not count. */
    counted?: boolean;
  }[];
  samples?: number;
  /** 95% interval of the total percent over samples, as [low, high] or {low, high}. */
  ci95?: [number, number] | { low: number; high: number };
}

/** Agreement tables are shown as they come: each array of flat objects becomes a table. */
export type AgreementInput = Record<string, unknown>;

export type Verdict = 'clean' | 'contaminated' | 'not-comparable' | string;

export interface CheckInput {
  items: CheckItemInput[];
  /** The benchmarks that were compared, when the check reports them. */
  benchmarks?: unknown;
  [key: string]: unknown;
}

export interface CheckItemInput {
  id: string;
  verdicts: Record<string, Verdict>;
  templateMatch?: boolean;
  overlap?: Record<string, unknown>;
  matches?: CheckMatchInput[];
  [key: string]: unknown;
}

export interface CheckMatchInput {
  bench: string;
  itemId: string;
  rule?: string;
  /** Text of the benchmark item, when the check includes it. */
  text?: string;
  benchText?: string;
  solution?: string;
  spans?: unknown[];
  [key: string]: unknown;
}

/** One row of the public-benchmark CSV (`model,gsm8k,math`, accuracy 0–1 or percent). */
export interface BenchmarkRow {
  model: string;
  gsm8k?: number;
  math?: number;
}

export interface ReportInputs {
  exam: Exam;
  rubric?: Rubric;
  /** Hash of the exam as loaded now; compared with the one the run recorded. */
  examHash?: string;
  runId: string;
  manifest?: Record<string, unknown>;
  responses: ResponseRecord[];
  grades: GradeRecord[];
  score?: ScoreInput;
  agreement?: AgreementInput;
  check?: CheckInput;
  /** Why there is no check (e.g. no benchmark cached), shown in the Contamination section. */
  checkNote?: string;
  benchmarks?: BenchmarkRow[];
  benchmarksFile?: string;
  toolVersion: string;
  generatedAt: string;
}
