import type { Exam, Rubric } from '../exam/schema.js';
import type { ScoreVersions } from '../grading/score-run.js';
import type { MemorisationFindings } from '../probe/analyse.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';

/**
 * What the report is built from: plain data, read from a run directory (and the optional check and benchmark
 * files) by `load.ts`. The shapes mirror the JSON that `heldout score --json`, `heldout agreement --json` and
 * `heldout check --json` print; fields this module does not know are ignored.
 */
/** The part of `heldout score --json` (grading's `ScoreReport`) the report uses. */
export interface ScoreInput {
  models: ScoreModelInput[];
}

export interface ScoreModelInput {
  model: string;
  /** Mean over samples. */
  points: number;
  maxPoints: number;
  percent: number;
  parts: { id: string; points: number; maxPoints: number }[];
  questions: {
    id: string;
    points: number;
    maxPoints: number;
    grader?: string | null;
    /** False for a question that a `choose` part did not count. */
    counted?: boolean;
  }[];
  samples?: number;
  /** 95% bootstrap interval of the mean total, in points. */
  ci95?: [number, number];
}

export interface AgreementStatsInput {
  n: number;
  meanAbsDiff: number | null;
  exactAgreement: number | null;
  kappa: number | null;
  alpha: number | null;
}

/** The part of `heldout agreement --json` (grading's `AgreementReport`) the report uses. */
export interface AgreementInput {
  graders: { id: string; kind: string; grades: number }[];
  pairs: {
    a: string;
    b: string;
    overall: { items: AgreementStatsInput; questions: AgreementStatsInput };
    questions: ({ id: string } & AgreementStatsInput)[];
  }[];
}

export type Verdict = 'clean' | 'contaminated' | 'not-comparable';

/** The part of `heldout check --json` (contamination's `CheckResult`) the report uses. */
export interface CheckInput {
  rules?: string[];
  sources?: { label: string; name?: string; split?: string; count?: number; path?: string; origin?: string }[];
  items: CheckItemInput[];
  answers?: (CheckItemInput & { model?: string; questionId?: string })[];
}

export interface CheckItemInput {
  id: string;
  verdicts: Partial<Record<string, Verdict>>;
  reasons?: Partial<Record<string, string>>;
  templateMatch?: boolean;
  matches?: CheckMatchInput[];
}

export interface CheckMatchInput {
  bench: string;
  itemId: string;
  rule?: string;
  /** Shared runs, in the check's normalised text. */
  spans?: { text: string }[];
  shared?: number;
  fraction?: number;
}

/** Benchmark items the check matched, by item id, for the side-by-side view (read from the benchmark files). */
export type BenchItemTexts = Record<string, { text: string; solution?: string }>;

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
  /** The run and exam directories as the user can type them (for hints). */
  runDir?: string;
  examDir?: string;
  manifest?: Record<string, unknown>;
  responses: ResponseRecord[];
  grades: GradeRecord[];
  score?: ScoreInput;
  agreement?: AgreementInput;
  /** Where the check JSON came from (shown in the report). */
  checkFile?: string;
  check?: CheckInput;
  benchItems?: BenchItemTexts;
  /** Why there is no check (e.g. no benchmark cached), shown in the Contamination section. */
  checkNote?: string;
  /** Other exams checked beside this one (the demo's leaky exam). */
  alsoChecked?: import('./contamination-view.js').AlsoCheckedInput[];
  benchmarks?: BenchmarkRow[];
  benchmarksFile?: string;
  /** Published results on this exam (the exam's reference.csv, or --reference). */
  reference?: import('./reference-field.js').ReferenceRow[];
  referenceFile?: string;
  /** What `heldout probe` found, when the run directory has probe results. */
  memorisation?: MemorisationFindings;
  toolVersion: string;
  generatedAt: string;
  /** Notes on data in the report that is fictional or an example (the demo's); shown in the page. */
  fictional?: string[];
  /** The exam's figures as data: URIs, by the file name the exam gives (absent: missing or unusable). */
  figures?: Record<string, string>;
  /** Exam and rubric versions now, and those each model's counted grades were made under. */
  versions?: ScoreVersions;
}
