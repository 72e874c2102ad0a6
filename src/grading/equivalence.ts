import type { Answer } from '../exam/schema.js';
import { ANSWER_BUDGET, answerTextOverBudget, BudgetExceeded, withDeadline } from './answer-budget.js';
import type { Comparison } from './equivalence/comparison.js';
import { compareExpression } from './equivalence/expressions.js';
import { compareNumber } from './equivalence/numbers.js';
import { compareInterval, compareSet, compareTuple } from './equivalence/structured.js';
import { compareChoice, compareText } from './equivalence/text.js';

/**
 * Is a candidate's final answer equal to the expected answer? Compared by the answer's kind:
 * numbers exactly as rationals where both sides are rational (so 1/2004! and 1/2006! differ, where floats
 * give 0 for both), otherwise at 64 significant digits; expressions at random points (and symbolically as a
 * fallback); sets unordered; tuples ordered; intervals with their open/closed ends; choice letters; text.
 * Each kind has its own module under equivalence/.
 */

export type { Comparison } from './equivalence/comparison.js';

/**
 * Compares a model's final answer with the key, within ANSWER_BUDGET (answer-budget.ts): an answer over the
 * budget comes back `undetermined` with the reason, in bounded time, whatever it contains.
 */
export function answersEqual(candidate: string, expected: Answer, opts: { timeMs?: number } = {}): Comparison {
  const over = answerTextOverBudget(candidate);
  if (over) return { equal: false, undetermined: true, detail: over };
  try {
    return withDeadline(opts.timeMs ?? ANSWER_BUDGET.timeMs, () => compareByKind(candidate, expected));
  } catch (err) {
    if (err instanceof BudgetExceeded) return { equal: false, undetermined: true, detail: err.message };
    if (err instanceof RangeError) {
      // Stack or string limits reached despite the budget: still the answer's fault, and still no decision.
      return { equal: false, undetermined: true, detail: `too large to compare: ${err.message}` };
    }
    return { equal: false, detail: `could not compare: ${(err as Error).message}` };
  }
}

function compareByKind(candidate: string, expected: Answer): Comparison {
  const tol = expected.tolerance;
  const values = Array.isArray(expected.value) ? expected.value.map(String) : [String(expected.value)];
  switch (expected.kind) {
    case 'number':
    case 'fraction':
      return compareNumber(candidate, values.join(', '), tol);
    case 'expression':
      return compareExpression(candidate, values.join(', '), expected.variables, tol);
    case 'set':
      return compareSet(candidate, values, tol);
    case 'tuple':
      return compareTuple(candidate, values, tol);
    case 'interval':
      return compareInterval(candidate, values.join(', '), tol);
    case 'choice':
      return compareChoice(candidate, values);
    case 'text':
      return compareText(candidate, values);
  }
}
