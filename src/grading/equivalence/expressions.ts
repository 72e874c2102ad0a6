import type { MathNode } from 'mathjs';
import { seededRandom } from '../../random.js';
import { BudgetExceeded, checkDeadline } from '../answer-budget.js';
import { latexToMathjs, superscriptsToPowers } from '../latex.js';
import type { Comparison } from './comparison.js';
import { exactValue, toBig } from './exact.js';
import { type Big, countNodes, freeSymbols, M, parseNode } from './mathjs.js';
import { approxValue, bigClose, isBareName } from './numbers.js';

/**
 * Expressions and equations: both sides evaluated at random points (symbolic simplification as a fallback for
 * small ones); two equations are equal when lhs - rhs of one is a constant multiple of the other's.
 */

interface ExprSides {
  sides: MathNode[];
}

function exprSides(raw: string, variables?: Set<string>): ExprSides | undefined {
  const text = superscriptsToPowers(raw).normalize('NFKC');
  const parts = text.split(/(?<![<>!=])=(?!=)/).map((p) => p.trim());
  const keep = parts.length > 1 ? parts.filter((p) => !isBareName(p)) : parts;
  try {
    return { sides: (keep.length ? keep : parts).map((p) => parseNode(latexToMathjs(p), variables)) };
  } catch (err) {
    if (err instanceof BudgetExceeded) throw err;
    return undefined;
  }
}

export function compareExpression(candidate: string, expected: string, declared?: string[], tol?: number): Comparison {
  const vars = declared ? new Set(declared) : undefined;
  const want = exprSides(expected, vars);
  if (!want) return { equal: false, detail: `the expected expression "${expected}" does not parse` };
  const got = exprSides(candidate, vars);
  if (!got) return { equal: false, detail: 'not an expression' };
  // An equation on both sides: compare lhs - rhs up to a constant factor.
  if (want.sides.length === 2 && got.sides.length === 2) {
    const d = (s: MathNode[]) => new M.OperatorNode('-', 'subtract', [s[0], s[1]]);
    return { equal: proportional(d(got.sides), d(want.sides), vars) };
  }
  const a = got.sides[got.sides.length - 1];
  const b = want.sides[want.sides.length - 1];
  return { equal: nodesEqual(a, b, vars, tol) };
}

const POINTS = 10;

function samplePoints(names: string[], seed: number): Record<string, Big>[] {
  const rnd = seededRandom(seed);
  const out: Record<string, Big>[] = [];
  for (let k = 0; k < POINTS; k++) {
    const scope: Record<string, Big> = {};
    for (const v of names) {
      // Mixed signs and magnitudes; never a small integer, where different formulas often coincide.
      const mag = 0.2 + 2.8 * rnd();
      scope[v] = M.bignumber((k % 3 === 0 ? -mag : mag).toFixed(6)) as Big;
    }
    out.push(scope);
  }
  return out;
}

function nodesEqual(a: MathNode, b: MathNode, vars?: Set<string>, tol?: number): boolean {
  const names = [...new Set([...freeSymbols(a), ...freeSymbols(b)])];
  if (vars) for (const n of names) if (!vars.has(n)) return false;
  if (names.length === 0) {
    const ea = exactValue(a);
    const eb = exactValue(b);
    if (ea && eb && tol === undefined) return ea.n === eb.n && ea.d === eb.d;
    const x = ea ? toBig(ea) : approxValue(a);
    const y = eb ? toBig(eb) : approxValue(b);
    return x !== undefined && y !== undefined && bigClose(x, y, tol);
  }
  const ca = a.compile();
  const cb = b.compile();
  let agreeing = 0;
  for (const scope of samplePoints(names, 20_26)) {
    const x = evalAt(ca, scope);
    const y = evalAt(cb, scope);
    // Points outside either side's domain say nothing (ln(xy) and ln x + ln y differ only there).
    if (x === undefined || y === undefined) continue;
    if (!bigClose(x, y, tol ?? undefined)) {
      // At 64 digits, equal formulas agree to ~1e-60; allow for cancellation in the candidate's form.
      const scale = x.abs().gt(y.abs()) ? x.abs() : y.abs();
      if (
        x
          .minus(y)
          .abs()
          .gt(scale.times(M.bignumber('1e-9')).plus(M.bignumber('1e-30')))
      )
        return false;
    }
    agreeing++;
  }
  if (agreeing >= 3) return true;
  // Symbolic simplification has no bound of its own: only for small expressions.
  if (countNodes(a) + countNodes(b) > 200) return false;
  try {
    return M.simplify(new M.OperatorNode('-', 'subtract', [a, b])).toString() === '0';
  } catch (err) {
    if (err instanceof BudgetExceeded) throw err;
    return false;
  }
}

function evalAt(code: { evaluate: (scope?: object) => unknown }, scope: Record<string, Big>): Big | undefined {
  try {
    checkDeadline();
    const v = code.evaluate({ ...scope });
    if (M.isBigNumber(v)) return (v as Big).isFinite() ? (v as Big) : undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? (M.bignumber(v) as Big) : undefined;
    return undefined;
  } catch (err) {
    if (err instanceof BudgetExceeded) throw err;
    return undefined;
  }
}

function proportional(a: MathNode, b: MathNode, vars?: Set<string>): boolean {
  const names = [...new Set([...freeSymbols(a), ...freeSymbols(b)])];
  if (names.length === 0) return false;
  const ca = a.compile();
  const cb = b.compile();
  let ratio: Big | undefined;
  let n = 0;
  for (const scope of samplePoints(names, 7)) {
    const x = evalAt(ca, scope);
    const y = evalAt(cb, scope);
    if (x === undefined || y === undefined) continue;
    if (y.isZero() || x.isZero()) {
      if (!(y.isZero() && x.isZero())) return false;
      continue;
    }
    const r = x.div(y) as Big;
    if (ratio === undefined) ratio = r;
    else if (!bigClose(r, ratio)) {
      const scale = r.abs();
      if (
        r
          .minus(ratio)
          .abs()
          .gt(scale.times(M.bignumber('1e-9')))
      )
        return false;
    }
    n++;
  }
  void vars;
  return n >= 3;
}
