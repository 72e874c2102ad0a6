import type { MathNode } from 'mathjs';

/**
 * The work one comparison of a model's answer may cost. A model's answer is untrusted: `\boxed{(10^{9})!}` made
 * `grade --auto` run for over 20 minutes. Every limit here is checked before the work it bounds, so no single step
 * can run away; the time limit is a backstop between steps. An answer over a limit is `undetermined`, with the
 * limit as the reason, never a crash, a hang or a silent 0. Documented in docs/formats.md.
 */
export const ANSWER_BUDGET = {
  /** Characters of the extracted final answer. */
  maxChars: 5_000,
  /** Bracket nesting: ( [ { and \left. */
  maxDepth: 100,
  /** Roots, fractions, factorials, binomials and powers in one answer. */
  maxOperators: 500,
  /** Nodes of the parsed expression. */
  maxNodes: 2_000,
  /** Elements of a set, tuple or list of alternatives. */
  maxListItems: 200,
  /** Largest factorial argument (3000! has 9,131 digits); above it the value is not computed. */
  maxFactorial: 3_000,
  /** Largest n of a binomial coefficient or of a permutation count. */
  maxBinomial: 100_000,
  /** Wall-clock backstop per comparison. */
  timeMs: 1_000,
} as const;

/** Thrown inside a comparison when an answer goes over the budget; answersEqual turns it into `undetermined`. */
export class BudgetExceeded extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BudgetExceeded';
  }
}

let deadline = Number.POSITIVE_INFINITY;

/** Runs `fn` with a time limit that `checkDeadline` enforces; nested calls keep the outer (earlier) deadline. */
export function withDeadline<T>(timeMs: number, fn: () => T): T {
  const outer = deadline;
  deadline = Math.min(outer, performance.now() + timeMs);
  try {
    return fn();
  } finally {
    deadline = outer;
  }
}

export function checkDeadline(): void {
  if (performance.now() > deadline) {
    throw new BudgetExceeded(`the comparison took longer than ${ANSWER_BUDGET.timeMs} ms`);
  }
}

const OPERATORS = /\\(?:sqrt|d?t?c?frac|d?t?binom)(?![a-zA-Z])|√|!|\^/g;

/** Checks the raw text before anything parses it: the reason it is over the budget, or undefined. */
export function answerTextOverBudget(text: string): string | undefined {
  const b = ANSWER_BUDGET;
  if (text.length > b.maxChars) {
    return `the answer is ${text.length} characters long, over the budget of ${b.maxChars} for one final answer`;
  }
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    if (depth > deepest) deepest = depth;
  }
  if (deepest > b.maxDepth) return `brackets nested ${deepest} deep, over the budget of ${b.maxDepth}`;
  let ops = 0;
  OPERATORS.lastIndex = 0;
  while (OPERATORS.exec(text) && ++ops <= b.maxOperators);
  if (ops > b.maxOperators) return `more than ${b.maxOperators} roots, fractions, powers and factorials`;
  return undefined;
}

/** Checks a parsed expression: node count and depth. */
export function checkTree(node: MathNode): void {
  let nodes = 0;
  const walk = (n: MathNode, depth: number) => {
    if (++nodes > ANSWER_BUDGET.maxNodes) {
      throw new BudgetExceeded(`the expression has more than ${ANSWER_BUDGET.maxNodes} parts`);
    }
    if (depth > ANSWER_BUDGET.maxDepth) {
      throw new BudgetExceeded(`the expression is nested more than ${ANSWER_BUDGET.maxDepth} deep`);
    }
    n.forEach((child) => {
      walk(child, depth + 1);
    });
  };
  walk(node, 0);
}

export function checkListSize(n: number): void {
  if (n > ANSWER_BUDGET.maxListItems) {
    throw new BudgetExceeded(`${n} elements, over the budget of ${ANSWER_BUDGET.maxListItems}`);
  }
}

/** The factorial argument limit, for exact and approximate evaluation alike. */
export function checkFactorialArgument(n: number | bigint): void {
  if (n > ANSWER_BUDGET.maxFactorial) {
    throw new BudgetExceeded(
      `a factorial of ${shortNumber(n)}, over the budget of ${ANSWER_BUDGET.maxFactorial}! (not computed)`,
    );
  }
}

export function checkBinomialArgument(n: number): void {
  if (n > ANSWER_BUDGET.maxBinomial) {
    throw new BudgetExceeded(
      `a binomial coefficient of ${shortNumber(n)}, over the budget of ${ANSWER_BUDGET.maxBinomial}`,
    );
  }
}

function shortNumber(n: number | bigint): string {
  const s = typeof n === 'bigint' ? n.toString() : Number.isFinite(n) ? String(n) : 'infinity';
  return s.length > 20 ? `${s.slice(0, 6)}…(${s.length} digits)` : s;
}
