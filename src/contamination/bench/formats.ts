import { HeldoutError } from '../../errors.js';
import { displayPath } from '../../io/files.js';
import type { BadLine, BenchFormat, BenchItem, LoadBenchmarkOptions } from './source.js';

/**
 * The benchmark record layouts: which format a record is in, and the item it gives (GSM8K `question`/`answer`,
 * MATH `problem`/`solution`, MMLU question with choices, HumanEval `prompt`, or a named generic field).
 */

export interface ParsedFile {
  format: BenchFormat;
  items: BenchItem[];
  badLines: BadLine[];
  /** Records read, good and bad. */
  total: number;
}

export type Row = Record<string, unknown>;

/** Which built-in format a record looks like; generic when `fieldName` names one of its fields. */
export function detectFormat(row: Row, opts: LoadBenchmarkOptions): BenchFormat | undefined {
  if (opts.fieldName && opts.fieldName in row) return 'generic';
  if ('task_id' in row && 'prompt' in row && 'canonical_solution' in row) return 'humaneval';
  if ('problem' in row && 'solution' in row) return 'math';
  if ('question' in row && 'choices' in row) return 'mmlu';
  if ('question' in row && 'answer' in row) return 'gsm8k';
  return undefined;
}

export const MMLU_LETTERS = ['A', 'B', 'C', 'D'];

/** MMLU item text: the question and its four choices, in lm-evaluation-harness's layout. */
export function mmluText(question: string, choices: string[]): string {
  return [question.trim(), ...choices.map((c, i) => `${MMLU_LETTERS[i] ?? String(i)}. ${String(c).trim()}`)].join('\n');
}

/** The item for one record, or an error string for a malformed one. */
export function rowItem(
  row: Row,
  format: BenchFormat,
  id: string,
  opts: LoadBenchmarkOptions,
): { item: BenchItem } | { error: string } {
  const str = (k: string) => (typeof row[k] === 'string' ? (row[k] as string) : undefined);
  const need = (...keys: string[]) => keys.find((k) => str(k) === undefined);
  switch (format) {
    case 'gsm8k': {
      const miss = need('question', 'answer');
      if (miss) return { error: `field "${miss}" missing or not a string` };
      return { item: { id, text: str('question')!, solution: str('answer')! } };
    }
    case 'math': {
      const miss = need('problem', 'solution');
      if (miss) return { error: `field "${miss}" missing or not a string` };
      return { item: { id, text: str('problem')!, solution: str('solution')! } };
    }
    case 'humaneval': {
      const miss = need('task_id', 'prompt', 'canonical_solution');
      if (miss) return { error: `field "${miss}" missing or not a string` };
      return { item: { id: str('task_id')!, text: str('prompt')!, solution: str('canonical_solution')! } };
    }
    case 'mmlu': {
      const q = str('question');
      const choices = row.choices;
      if (q === undefined) return { error: 'field "question" missing or not a string' };
      if (!Array.isArray(choices) && !ArrayBuffer.isView(choices)) return { error: 'field "choices" is not a list' };
      const a = row.answer;
      const answer =
        typeof a === 'number' || typeof a === 'bigint'
          ? MMLU_LETTERS[Number(a)]
          : typeof a === 'string'
            ? a
            : undefined;
      return { item: { id, text: mmluText(q, Array.from(choices as ArrayLike<unknown>, String)), answer } };
    }
    case 'generic': {
      const f = opts.fieldName!;
      const v = row[f];
      if (typeof v !== 'string') return { error: `field "${f}" missing or not a string` };
      const sol = opts.solutionField ? row[opts.solutionField] : undefined;
      return { item: { id, text: v, solution: typeof sol === 'string' ? sol : undefined } };
    }
  }
}

export function unknownFormat(file: string, row: Row | undefined, opts: LoadBenchmarkOptions): HeldoutError {
  const fields = row ? Object.keys(row) : [];
  if (opts.fieldName) {
    return new HeldoutError(`no field "${opts.fieldName}"`, {
      where: displayPath(file),
      hint: `the records have: ${fields.map((f) => JSON.stringify(f)).join(', ') || '(no fields)'}`,
    });
  }
  return new HeldoutError('not a known benchmark format (GSM8K, MATH, MMLU, HumanEval)', {
    where: displayPath(file),
    hint: `name the text field with --bench-field; the records have: ${fields.map((f) => JSON.stringify(f)).join(', ') || '(no fields)'}`,
  });
}
