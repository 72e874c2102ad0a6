import type { MatchRule, RuleName, Verdict } from './rules.js';

/** What the check compares, and what it says about each text. */

export interface CheckText {
  id: string;
  text: string;
  /** Declared language, used when detection cannot tell (too little prose). */
  language?: string;
  /**
   * The declared language decides, without detection: exam items and answers to an exam are in the exam's
   * `language` (a detector reads an English answer full of LaTeX as French).
   */
  languageDecides?: boolean;
}

export interface Span {
  /** Token (word rules) or character (gpt4-50char) offsets in the checked text, after normalisation. */
  start: number;
  end: number;
  /** Where the shared run starts in the benchmark item (same units). */
  benchStart: number;
  text: string;
}

export interface Match {
  bench: string;
  itemId: string;
  rule: MatchRule;
  spans: Span[];
  /** Word rules: shared n-grams with this item and their share of the text's n-grams; gpt4: samples found. */
  shared: number;
  fraction: number;
  /** Longest run of shared tokens (exact-rule normalisation) with this item. */
  longestRun?: number;
  similarity?: { jaroWinkler: number; dice: number };
  /** Set by `--confirm`: a model's opinion on whether the two are the same problem. */
  confirm?: { model: string; same: boolean | null; reason: string };
}

export interface RuleOverlap {
  n?: number;
  /** n-grams (or samples) in the text, those found in the benchmark, and their share. */
  total: number;
  shared: number;
  fraction: number;
  /** The source this figure comes from (per-source rules: the source with the highest share). */
  bench?: string;
}

export interface TextResult {
  id: string;
  language?: string;
  /** Where `language` came from: the exam (declared), detection on the prose (maths and code stripped), or neither. */
  languageFrom?: 'declared' | 'detected' | 'unknown';
  words: number;
  verdicts: Partial<Record<RuleName, Verdict>>;
  /** Why a verdict is not-comparable. */
  reasons: Partial<Record<RuleName, string>>;
  templateMatch: boolean;
  overlap: Partial<Record<RuleName | 'template', RuleOverlap>> & {
    longestRun: number;
    nearest?: { bench: string; itemId: string; dice: number; jaroWinkler: number };
  };
  matches: Match[];
  bySource: Record<string, Partial<Record<RuleName, Verdict>> & { template: boolean }>;
}

/** Shares and scores are reported to three decimals. */
export const round3 = (x: number) => Math.round(x * 1000) / 1000;
