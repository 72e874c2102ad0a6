/**
 * What a loaded benchmark is: GSM8K, MATH, MMLU and HumanEval in their canonical formats (and the Hugging Face
 * Parquet copies `heldout bench pull` writes), plus generic JSONL/CSV/Parquet with a named text field.
 */

export interface BenchItem {
  /** `gsm8k/test:17` (label/file stem:1-based line), `mmlu/test/abstract_algebra:3` (row), or HumanEval `task_id`. */
  id: string;
  /** What the check compares: the question (GSM8K `question`, MATH `problem`, MMLU question + choices, HumanEval `prompt`). */
  text: string;
  /** The reference solution, used only for the answers check. */
  solution?: string;
  /** MMLU: the correct choice's letter (A–D). */
  answer?: string;
}

export interface BadLine {
  file: string;
  line: number;
  error: string;
}

export type BenchFormat = 'gsm8k' | 'math' | 'mmlu' | 'humaneval' | 'generic';

/** Where a source's data came from: the offline pack shipped with heldout, the `bench pull` cache, or a path. */
export type BenchOrigin = 'pack' | 'cache' | 'path';

export interface BenchmarkSource {
  /** What the user called it (`gsm8k`, or the label of `label=path`). */
  label: string;
  origin?: BenchOrigin;
  /** The detected format: gsm8k, math, mmlu, humaneval, generic (or `mixed`). */
  name: string;
  /** The split when every file has the same one (`test`); see `splits` for all. */
  split?: string;
  splits: string[];
  /** The path the spec resolved to. */
  path: string;
  files: { path: string; sha256: string; format: BenchFormat; split: string; items: number }[];
  /** `sha256:` over the files' hashes and the loader options; keys the index cache. */
  hash: string;
  /** May be read lazily from the item cache: an item's strings are decoded when it is first read. */
  items: BenchItem[];
  badLines: BadLine[];
  /** Items dropped because an earlier (larger) split holds the same text: MATH500 ⊂ MATH test. */
  duplicates?: { file: string; count: number }[];
}

export interface LoadBenchmarkOptions {
  /** For generic sources: the field (JSONL/Parquet) or column (CSV with header) holding the text. */
  fieldName?: string;
  /** For generic sources: an optional field with the solution. */
  solutionField?: string;
  /** Where cached names resolve (default `$HELDOUT_BENCH_DIR` or `~/.cache/heldout/benchmarks`). */
  benchDir?: string;
  /** Base for relative paths (default: the working directory). */
  cwd?: string;
  /** Where parsed files are cached by content hash (default `$HELDOUT_CACHE_DIR/items` or `.heldout-cache/items`); false: never. */
  itemCacheDir?: string | false;
  /** The offline pack (default: the one shipped with heldout); false: never fall back to it. */
  packDir?: string | false;
}

export const KNOWN_BENCHMARKS = ['gsm8k', 'math', 'mmlu', 'humaneval'] as const;
export type KnownBenchmark = (typeof KNOWN_BENCHMARKS)[number];

export const isKnownName = (name: string): boolean =>
  (KNOWN_BENCHMARKS as readonly string[]).includes(name.toLowerCase());

/** Bumped when item text or ids change, so cached indexes built from the old items are not reused. */
export const LOADER_VERSION = 2;

/** Share of malformed lines above which a file is rejected rather than loaded with warnings. */
export const MAX_BAD_FRACTION = 0.01;
