import { all, type BigNumber, create, type MathNode } from 'mathjs';
import { checkBinomialArgument, checkDeadline, checkFactorialArgument, checkTree } from '../answer-budget.js';

/**
 * The mathjs instance every comparison uses: 64-digit BigNumbers, with factorials and binomials guarded by the
 * answer budget; and the expression-tree helpers shared by the number and expression comparisons.
 */

export const M = create(all, { number: 'BigNumber', precision: 64 });
export type Big = BigNumber;

// mathjs computes n! and binomials by loops as long as n: `10000000!` took 7.7 s. Guard them before they start.
{
  const math = M as unknown as Record<string, (...args: unknown[]) => unknown>;
  const asNumber = (x: unknown) => (M.isBigNumber(x) ? (x as Big).toNumber() : Number(x));
  const guard =
    (check: (args: unknown[]) => void) =>
    (original: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      check(args);
      checkDeadline();
      return original(...args);
    };
  const wrap = {
    factorial: guard(([x]) => checkFactorialArgument(asNumber(x))),
    gamma: guard(([x]) => checkFactorialArgument(asNumber(x))),
    combinations: guard(([n]) => checkBinomialArgument(asNumber(n))),
    permutations: guard(([n]) => checkBinomialArgument(asNumber(n))),
  };
  const replaced: Record<string, unknown> = {};
  for (const [name, make] of Object.entries(wrap)) replaced[name] = make(math[name]);
  M.import(replaced, { override: true });
}

export const CONSTANTS = new Set(['pi', 'e', 'Infinity', 'i', 'tau', 'phi']);

export function parseNode(mathjsText: string, variables?: Set<string>): MathNode {
  checkDeadline();
  const node = M.parse(mathjsText);
  checkTree(node);
  return splitSymbols(node, variables);
}

/** `xy` → `x*y` when the letters are variables (or, with no declared variables, single letters). */
export function splitSymbols(node: MathNode, variables?: Set<string>): MathNode {
  return node.transform((n, path) => {
    if (n.type !== 'SymbolNode' || path === 'fn') return n;
    const name = (n as unknown as { name: string }).name;
    if (CONSTANTS.has(name) || variables?.has(name) || !/^[A-Za-z]{2,4}$/.test(name)) return n;
    if (variables && ![...name].every((c) => variables.has(c) || CONSTANTS.has(c))) return n;
    if (name in (M as unknown as Record<string, unknown>) && !variables) return n;
    return [...name]
      .map((c) => new M.SymbolNode(c) as MathNode)
      .reduce((a, b) => new M.OperatorNode('*', 'multiply', [a, b]));
  });
}

export function freeSymbols(node: MathNode): Set<string> {
  const out = new Set<string>();
  node.traverse((n, path) => {
    if (n.type === 'SymbolNode' && path !== 'fn') {
      const name = (n as unknown as { name: string }).name;
      if (!CONSTANTS.has(name)) out.add(name);
    }
  });
  return out;
}

/** Powers and factorials: what makes a finite expression overflow (1/0 and ln 0 are infinite, not too large). */
export function hasGrowth(node: MathNode): boolean {
  return (
    node.filter((n) => {
      const o = n as unknown as { type: string; fn?: unknown; op?: string };
      return o.type === 'OperatorNode' && (o.op === '^' || o.op === '!');
    }).length > 0
  );
}

export function countNodes(node: MathNode): number {
  let n = 0;
  node.traverse(() => {
    n++;
  });
  return n;
}
