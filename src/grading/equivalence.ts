import { all, type BigNumber, create, type MathNode } from 'mathjs';
import type { Answer } from '../exam/schema.js';
import { seededRandom } from '../random.js';
import {
  ANSWER_BUDGET,
  answerTextOverBudget,
  BudgetExceeded,
  checkBinomialArgument,
  checkDeadline,
  checkFactorialArgument,
  checkListSize,
  checkTree,
  withDeadline,
} from './answer-budget.js';
import { latexToMathjs, superscriptsToPowers } from './latex.js';

/**
 * Is a candidate's final answer equal to the expected answer? Compared by the answer's kind:
 * numbers exactly as rationals where both sides are rational (so 1/2004! and 1/2006! differ, where floats
 * give 0 for both), otherwise at 64 significant digits; expressions at random points (and symbolically as a
 * fallback); sets unordered; tuples ordered; intervals with their open/closed ends; choice letters; text.
 */

const M = create(all, { number: 'BigNumber', precision: 64 });
type Big = BigNumber;

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

export interface Comparison {
  equal: boolean;
  /**
   * The comparison could not decide: the answer is over the work budget (a number bomb such as
   * `(10^{9})!`, a 1 MB expression, deep nesting). `equal` is false but means nothing; `detail` says why.
   */
  undetermined?: boolean;
  /** Why it is unequal when the candidate could not be read, e.g. "not a number"; or why it is undetermined. */
  detail?: string;
}

const CONSTANTS = new Set(['pi', 'e', 'Infinity', 'i', 'tau', 'phi']);

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

// ---------- scalars ----------

interface Rational {
  n: bigint;
  d: bigint;
}

interface Scalar {
  /** Exact value when the expression is rational arithmetic on numbers. */
  exact?: Rational;
  approx?: Big;
  percent?: boolean;
}

/** Removes what is not part of a number: \text{} units, currency, thousands separators; decimal commas → points. */
export function normalizeNumberText(raw: string): { text: string; percent: boolean } {
  let s = superscriptsToPowers(raw)
    .normalize('NFKC')
    .replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g, '')
    // A unit in \text{}, with its power inside or after it: \text{ m^2}, \text{cm}^3, \mathrm{~m}^{2}.
    .replace(
      /\\(?:text|mbox|textrm|mathrm)\s*\{\s*(?:[A-Za-zÀ-ž€$£¥%/ .~]|\\[,;: ]|\^\{?\d\}?)*\}(?:\s*\^\s*(?:\d|\{\s*\d\s*\}))?/g,
      ' ',
    )
    .replace(/\\\$|[€£¥]|\\euro\b/g, ' ')
    .replace(/[−–]/g, '-')
    .replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree/g, '')
    .trim();
  let percent = false;
  if (/(?:\\%|%|\\text\{\s*percent\s*\}|\bpercent)\s*$/i.test(s)) {
    percent = true;
    s = s.replace(/(?:\\%|%|\\text\{\s*percent\s*\}|\bpercent)\s*$/i, '');
  }
  // Thousands: 1,234,567 / 6\,327 / 6 327 / 6{,}327 (groups of exactly three digits, not after a leading 0).
  s = s.replace(/(?<![\d.])(\d{1,3})((?:(?:\{,\}|,|\\,|\\ |\s|'|\u202F|\u2009)\d{3})+)(?![\d])/g, (all, head, rest) =>
    head === '0' ? all : head + rest.replace(/\D/g, ''),
  );
  // Decimal comma: 5,5 or 5{,}5.
  s = s.replace(/(\d)(?:\{,\}|,)(\d)/g, '$1.$2');
  // Trailing unit words (cm, hours, Ft); maths constants stay.
  for (let k = 0; k < 3; k++) {
    s = s
      .replace(/\s*(?:\\?[A-Za-zÀ-ž]+\.?)(?:\^\{?\d\}?|[²³])?\s*$/, (m) => {
        const w = m
          .trim()
          .replace(/^\\/, '')
          .replace(/\^.*|[²³.]$/g, '');
        return CONSTANTS.has(w) || w === 'infty' || w.length === 0 ? m : '';
      })
      .trim();
  }
  return { text: s, percent };
}

/** Parts of a chain "x = 2√2 ≈ 2.83": the sides that are not a bare name like x, P(A) or S_{20}. */
function valueSides(text: string): { exact: string[]; approx: string[] } {
  const pieces = text.split(/(?<![<>!=])(=|≈|\\approx|\\simeq|\\sim)(?!=)/);
  const exact: string[] = [];
  const approx: string[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const side = pieces[i].trim();
    const op = i > 0 ? pieces[i - 1] : '=';
    if (!side || isBareName(side)) continue;
    (op === '=' ? exact : approx).push(side);
  }
  return { exact, approx };
}

function isBareName(side: string): boolean {
  const t = side.replace(/\\(?:mathrm|text|operatorname)\s*\{([^}]*)\}/g, '$1').trim();
  return /^\\?[A-Za-z][A-Za-z]*(?:_\{?[A-Za-z0-9,]+\}?)?(?:'+)?(?:\s*\([^()]*\))?$/.test(t) && !/^(?:\\?pi|e)$/.test(t);
}

/** The side of an equation/approximation chain to compare: the last exact one, else the last approximate one. */
function pickSide(text: string): string {
  const { exact, approx } = valueSides(text);
  if (exact.length) return exact[exact.length - 1];
  if (approx.length) return approx[approx.length - 1];
  return text;
}

function parseNode(mathjsText: string, variables?: Set<string>): MathNode {
  checkDeadline();
  const node = M.parse(mathjsText);
  checkTree(node);
  return splitSymbols(node, variables);
}

/** `xy` → `x*y` when the letters are variables (or, with no declared variables, single letters). */
function splitSymbols(node: MathNode, variables?: Set<string>): MathNode {
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

function freeSymbols(node: MathNode): Set<string> {
  const out = new Set<string>();
  node.traverse((n, path) => {
    if (n.type === 'SymbolNode' && path !== 'fn') {
      const name = (n as unknown as { name: string }).name;
      if (!CONSTANTS.has(name)) out.add(name);
    }
  });
  return out;
}

const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
};
/** Exact arithmetic stops here (the value is then compared at 64 digits). */
class TooBigForExact extends Error {}
/** Euclid's gcd costs about bits(smaller) × bits(larger): 8k × 8k bits is ~25 ms, 50k × 50k over 600 ms. */
const MAX_GCD_WORK = 2 ** 26;
const rat = (n: bigint, d: bigint = 1n): Rational => {
  if (d === 0n) throw new Error('division by zero');
  if (d < 0n) [n, d] = [-n, -d];
  if (d === 1n) return { n, d };
  const bn = Number(bits(n));
  const bd = Number(bits(d));
  if (Math.min(bn, bd) * Math.max(bn, bd) > MAX_GCD_WORK) throw new TooBigForExact();
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
};
const MAX_BITS = 65_536n;
const bits = (x: bigint) => BigInt((x < 0n ? -x : x).toString(16).length * 4);

function decimalToRational(text: string): Rational | undefined {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m || (!m[2] && !m[3])) return undefined;
  const frac = m[3] ?? '';
  let n = BigInt((m[2] || '0') + frac);
  let d = 10n ** BigInt(frac.length);
  const exp = Number(m[4] ?? 0);
  if (Math.abs(exp) > 10_000) return undefined;
  if (exp > 0) n *= 10n ** BigInt(exp);
  else if (exp < 0) d *= 10n ** BigInt(-exp);
  return rat(m[1] ? -n : n, d);
}

/** Exact evaluation of +, -, *, /, integer powers and factorials; undefined for anything else or too big. */
function exactValue(node: MathNode): Rational | undefined {
  try {
    return exactValueOf(node);
  } catch (err) {
    if (err instanceof TooBigForExact) return undefined;
    throw err;
  }
}

function exactValueOf(node: MathNode): Rational | undefined {
  checkDeadline();
  const n = node as unknown as { type: string; value?: unknown; fn?: string; args?: MathNode[]; content?: MathNode };
  switch (n.type) {
    case 'ConstantNode': {
      // 1e999999999 written out in full is a gigabyte: a literal that large is compared at 64 digits.
      if (M.isBigNumber(n.value) && Math.abs((n.value as Big & { e: number }).e) > 10_000) return undefined;
      return n.value !== null && (typeof n.value === 'number' || M.isBigNumber(n.value))
        ? decimalToRational(M.isBigNumber(n.value) ? (n.value as Big).toFixed() : String(n.value))
        : undefined;
    }
    case 'ParenthesisNode':
      return n.content ? exactValueOf(n.content) : undefined;
    case 'OperatorNode': {
      const args = (n.args ?? []).map(exactValueOf);
      if (args.some((a) => a === undefined)) return undefined;
      const [a, b] = args as Rational[];
      switch (n.fn) {
        case 'unaryMinus':
          return rat(-a.n, a.d);
        case 'unaryPlus':
          return a;
        case 'add':
          return rat(a.n * b.d + b.n * a.d, a.d * b.d);
        case 'subtract':
          return rat(a.n * b.d - b.n * a.d, a.d * b.d);
        case 'multiply':
          return rat(a.n * b.n, a.d * b.d);
        case 'divide':
          return b.n === 0n ? undefined : rat(a.n * b.d, a.d * b.n);
        case 'pow': {
          if (b.d !== 1n) return undefined;
          const e = b.n < 0n ? -b.n : b.n;
          if (e * (bits(a.n) + bits(a.d)) > MAX_BITS) return undefined;
          const p = rat(a.n ** e, a.d ** e);
          return b.n < 0n ? (p.n === 0n ? undefined : rat(p.d, p.n)) : p;
        }
        case 'factorial': {
          if (a.d !== 1n || a.n < 0n) return undefined;
          checkFactorialArgument(a.n);
          let f = 1n;
          for (let k = 2n; k <= a.n; k++) f *= k;
          return rat(f);
        }
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

function toBig(r: Rational): Big {
  return M.bignumber(r.n.toString()).div(M.bignumber(r.d.toString())) as Big;
}

function approxValue(node: MathNode, scope: Record<string, Big> = {}): Big | undefined {
  try {
    const v = node.compile().evaluate({ ...scope });
    if (M.isBigNumber(v)) return (v as Big).isNaN() ? undefined : (v as Big);
    if (typeof v === 'number') return Number.isNaN(v) ? undefined : (M.bignumber(v) as Big);
    return undefined;
  } catch (err) {
    if (err instanceof BudgetExceeded) throw err;
    return undefined;
  }
}

function scalarOf(raw: string, mode: 'number' | 'expression', variables?: Set<string>): Scalar | undefined {
  const { text, percent } = mode === 'number' ? normalizeNumberText(raw) : { text: raw, percent: false };
  const side = pickSide(text);
  let node: MathNode;
  try {
    node = parseNode(latexToMathjs(side), variables);
  } catch (err) {
    if (err instanceof BudgetExceeded) throw err;
    return undefined;
  }
  if (freeSymbols(node).size > 0) return undefined;
  const exact = exactValue(node);
  if (exact) return { exact, percent };
  const approx = approxValue(node);
  // A finite expression whose value overflows 64-digit decimals (a power tower) cannot be compared.
  if (approx && !approx.isFinite() && hasGrowth(node)) {
    throw new BudgetExceeded('the value is too large to represent (over 10^(9·10^15))');
  }
  return approx ? { approx, percent } : undefined;
}

const EPS = M.bignumber('1e-15') as Big;

function scalarsEqual(a: Scalar, b: Scalar, tol?: number): boolean {
  if (tol === undefined && a.exact && b.exact) return a.exact.n === b.exact.n && a.exact.d === b.exact.d;
  const x = a.approx ?? toBig(a.exact!);
  const y = b.approx ?? toBig(b.exact!);
  return bigClose(x, y, tol);
}

function bigClose(x: Big, y: Big, tol?: number): boolean {
  if (!x.isFinite() || !y.isFinite()) return x.eq(y);
  const diff = x.minus(y).abs();
  if (tol !== undefined) return diff.lte(M.bignumber(tol).plus(M.bignumber('1e-12')));
  const scale = x.abs().gt(y.abs()) ? x.abs() : y.abs();
  return diff.lte(scale.times(EPS));
}

const ALTERNATIVES = /\\text\s*\{\s*(?:or|and|vagy|és)\s*\}|\s(?:or|and|vagy|és)\s|\\(?:lor|vee)(?![A-Za-z])|∨/i;

/**
 * The values of a candidate that states several alternatives for one unknown: "x = -7 or x = 3",
 * "x_1 = -7, x_2 = 3". Undefined for one value or an equation chain; a comma list counts only when
 * each piece names the same unknown, so "A(3, 3), B(-2, -2), AB = 5√2" stays one answer (the last).
 */
function alternatives(candidate: string): string[] | undefined {
  const byWord = candidate.split(new RegExp(ALTERNATIVES.source, 'gi')).map((p) => p.trim());
  if (byWord.length > 1 && byWord.every((p) => p)) return byWord;
  const byComma = splitTopLevel(candidate.replace(/\\[,;]|\{,\}/g, ' '));
  if (byComma.length < 2) return undefined;
  const unknown = (p: string) => /^\s*(\\?[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?\s*=(?!=)/.exec(p)?.[1];
  const first = unknown(byComma[0]);
  return first && byComma.every((p) => unknown(p) === first) ? byComma : undefined;
}

function compareNumber(candidate: string, expected: string, tol?: number): Comparison {
  const want = scalarOf(expected, 'number');
  if (!want) return { equal: false, detail: `the expected value "${expected}" is not a number` };
  const alts = alternatives(candidate);
  if (alts) {
    checkListSize(alts.length);
    // A marker does not pick the right one of several stated values: each must be the same number.
    const equal = alts.every((a) => compareNumber(a, expected, tol).equal);
    return equal ? { equal } : { equal, detail: 'several different values' };
  }
  const got = scalarOf(candidate, 'number');
  if (!got) return { equal: false, detail: 'not a number' };
  const plain = (s: Scalar): Scalar => s;
  const hundredth = (s: Scalar): Scalar =>
    s.exact ? { exact: rat(s.exact.n, s.exact.d * 100n) } : { approx: s.approx!.div(100) as Big };
  const wants = want.percent ? [hundredth(want), plain(want)] : [plain(want)];
  // "25%" matches 25 and 0.25; "25" never matches 0.25.
  const gots = got.percent ? [plain(got), hundredth(got)] : [plain(got)];
  const equal = wants.some((w) => gots.some((g) => scalarsEqual(g, w, tol)));
  return { equal };
}

// ---------- expressions ----------

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

function compareExpression(candidate: string, expected: string, declared?: string[], tol?: number): Comparison {
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

/** Powers and factorials: what makes a finite expression overflow (1/0 and ln 0 are infinite, not too large). */
function hasGrowth(node: MathNode): boolean {
  return (
    node.filter((n) => {
      const o = n as unknown as { type: string; fn?: unknown; op?: string };
      return o.type === 'OperatorNode' && (o.op === '^' || o.op === '!');
    }).length > 0
  );
}

function countNodes(node: MathNode): number {
  let n = 0;
  node.traverse(() => {
    n++;
  });
  return n;
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

// ---------- lists: sets, tuples, intervals ----------

/** Splits on top-level commas or semicolons (semicolons win: "2,5; 3" is a Hungarian list of decimals). */
export function splitTopLevel(text: string): string[] {
  const sep = hasTopLevel(text, ';') ? ';' : ',';
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '{' || text[i + 1] === '}')) {
      cur += c + text[i + 1];
      i++;
      depth += text[i] === '{' ? 1 : -1;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    if (c === sep && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

function hasTopLevel(text: string, ch: string): boolean {
  let depth = 0;
  for (const c of text) {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ch && depth === 0) return true;
  }
  return false;
}

function stripWrappers(text: string): string {
  return superscriptsToPowers(text)
    .normalize('NFKC')
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])/g, '')
    .replace(/\\[,;: !]/g, ' ')
    .trim();
}

function elementOf(raw: string): string {
  return pickSide(raw.trim());
}

function elementsEqual(candidate: string, expected: string, tol?: number): boolean {
  const want = scalarOf(expected, 'number');
  if (want) {
    const got = scalarOf(candidate, 'number');
    return got ? scalarsEqual(got, want, tol) : false;
  }
  return compareExpression(candidate, expected, undefined, tol).equal;
}

function compareSet(candidate: string, expected: string[], tol?: number): Comparison {
  let t = stripWrappers(candidate);
  t = pickSetSide(t);
  t = t.replace(/^\\\{([\s\S]*)\\\}$/, '$1').replace(/^\{([\s\S]*)\}$/, '$1');
  if (/\\(?:emptyset|varnothing)|∅/.test(t)) t = '';
  const parts = splitTopLevel(t)
    .flatMap((p) => p.split(/\s+(?:or|and|vagy|és|\\text\{\s*(?:or|and|vagy|és)\s*\})\s+|\\(?:lor|vee)/))
    .map(elementOf)
    .filter((p) => p.length > 0);
  checkListSize(parts.length);
  const unique: string[] = [];
  for (const p of parts) if (!unique.some((u) => elementsEqual(p, u, tol))) unique.push(p);
  if (unique.length !== expected.length) return { equal: false };
  const used = new Set<number>();
  for (const e of expected) {
    const i = unique.findIndex((u, k) => !used.has(k) && elementsEqual(u, e, tol));
    if (i < 0) return { equal: false };
    used.add(i);
  }
  return { equal: true };
}

/** "A ∩ B = {2, 4, 6}", "x ∈ {2, 4, 6}" → "{2, 4, 6}"; "x = 3 or x = -7" stays whole (split later). */
function pickSetSide(t: string): string {
  const m = /(?:^|=|\\in(?![A-Za-z])|∈)\s*(\\\{[\s\S]*\\\}|\{[\s\S]*\})\s*$/.exec(t);
  if (m) return m[1];
  return t;
}

function looksLikePoint(t: string): boolean {
  return /\b(?:point|pont)\b/i.test(t) || /^[A-Z]\s*\(/.test(t) || /^\(\s*x\s*[,;]\s*y\s*\)\s*=/.test(t);
}

function compareTuple(candidate: string, expected: string[], tol?: number): Comparison {
  let t = stripWrappers(candidate);
  if (/\\in\b|∈|<|>|\\[lg]e|\\[lg]eq/.test(t))
    return { equal: false, detail: 'an interval or inequality, not a tuple' };
  t = t.replace(/^[A-Z](?:_\{?\w+\}?)?\s*(?=\()/, '');
  const eq = t.split(/(?<![<>!])=/);
  t = eq[eq.length - 1].trim();
  const m = /^(?:\(|\\langle|⟨)([\s\S]*)(?:\)|\\rangle|⟩)$/.exec(t);
  if (!m && /^[[\]]/.test(t)) return { equal: false, detail: 'square brackets mean an interval' };
  const inner = m ? m[1] : t;
  const parts = splitTopLevel(inner).map(elementOf);
  checkListSize(parts.length);
  if (parts.length !== expected.length) return { equal: false };
  return { equal: parts.every((p, i) => elementsEqual(p, expected[i], tol)) };
}

interface Interval {
  lo: string;
  hi: string;
  loClosed: boolean;
  hiClosed: boolean;
}

const INF = /^(?:\+?\\infty|\+?∞|\+?infinity|\+?inf|\+?Infinity)$/i;
const NEG_INF = /^(?:-\s*\\infty|-\s*∞|-\s*infinity|-\s*inf|-Infinity)$/i;

export function parseInterval(raw: string): Interval | undefined {
  let t = stripWrappers(raw).replace(/[−–]/g, '-').trim();
  // Set-builder form: {x ∈ ℝ : -1 < x < 5}, {y | -9 ≤ y ≤ 7}.
  const builder =
    /^\\\{\s*[A-Za-z](?:\s*(?:\\in|∈)\s*(?:\\mathbb\s*\{?R\}?|ℝ|R))?\s*(?::|\||\\mid)\s*([\s\S]+?)\s*\\\}$/.exec(t);
  if (builder) t = builder[1];
  // A name before the interval: "x ∈", "f(x) ∈", "R_f =", "\text{Range} =". A lone capital before a round
  // bracket names a point (P = (2, 3)), not an interval.
  const named = /^([\s\S]+?)\s*(?:=|\\in(?![A-Za-z])|∈)\s*([[\]()][\s\S]*)$/.exec(t);
  if (named && isBareName(named[1]) && !(/^[A-Z]$/.test(named[1].trim()) && named[2][0] === '(')) t = named[2];
  if (looksLikePoint(t)) return undefined;
  const m = /^([[(\]])([\s\S]*)([\])[])$/.exec(t);
  if (m) {
    const parts = splitIntervalEnds(m[2]);
    if (!parts) return undefined;
    return {
      lo: parts[0],
      hi: parts[1],
      loClosed: m[1] === '[',
      hiClosed: m[3] === ']',
    };
  }
  // Inequalities: a <= x <= b, a < x < b, x >= a, x < b.
  t = t
    .replace(/\\leq?(?:slant)?|≤|⩽/g, '<=')
    .replace(/\\geq?(?:slant)?|≥|⩾/g, '>=')
    .replace(/\\lt/g, '<')
    .replace(/\\gt/g, '>');
  const chain = t.split(/(<=|>=|<|>)/).map((s) => s.trim());
  if (chain.length === 5 && isBareName(chain[2]) && chain[1][0] === chain[3][0]) {
    const lt = chain[1][0] === '<';
    const [lo, hi] = lt ? [chain[0], chain[4]] : [chain[4], chain[0]];
    const [loOp, hiOp] = lt ? [chain[1], chain[3]] : [chain[3], chain[1]];
    return { lo, hi, loClosed: loOp.endsWith('='), hiClosed: hiOp.endsWith('=') };
  }
  if (chain.length === 3 && isBareName(chain[0])) {
    const op = chain[1];
    if (op[0] === '>') return { lo: chain[2], hi: '\\infty', loClosed: op.endsWith('='), hiClosed: false };
    return { lo: '-\\infty', hi: chain[2], loClosed: false, hiClosed: op.endsWith('=') };
  }
  return undefined;
}

function splitIntervalEnds(inner: string): [string, string] | undefined {
  const parts = splitTopLevel(inner);
  if (parts.length !== 2) return undefined;
  return [parts[0], parts[1]];
}

function endsEqual(a: string, b: string, tol?: number): boolean {
  const inf = (s: string) => (INF.test(s.replace(/\s+/g, '')) ? 1 : NEG_INF.test(s.replace(/\s+/g, '')) ? -1 : 0);
  const ia = inf(a);
  const ib = inf(b);
  if (ia || ib) return ia === ib;
  return elementsEqual(a, b, tol);
}

function compareInterval(candidate: string, expected: string, tol?: number): Comparison {
  const want = parseInterval(expected);
  if (!want) return { equal: false, detail: `the expected interval "${expected}" does not parse` };
  const got = parseInterval(candidate);
  if (!got) return { equal: false, detail: 'not an interval' };
  const infinite = (s: string) => INF.test(s.replace(/\s+/g, '')) || NEG_INF.test(s.replace(/\s+/g, ''));
  const loOk = endsEqual(got.lo, want.lo, tol) && (infinite(want.lo) || got.loClosed === want.loClosed);
  const hiOk = endsEqual(got.hi, want.hi, tol) && (infinite(want.hi) || got.hiClosed === want.hiClosed);
  return { equal: loOk && hiOk };
}

// ---------- choice and text ----------

function unwrapText(s: string): string {
  let t = s.normalize('NFKC');
  for (let i = 0; i < 3; i++) t = t.replace(/\\(?:text|textbf|textrm|mathrm|mathbf|mbox|textit)\s*\{([^{}]*)\}/g, '$1');
  return t.replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g, '').trim();
}

function compareChoice(candidate: string, expected: string[]): Comparison {
  const u = unwrapText(candidate).replace(/^(?:option|answer|choice|válasz)\s*[:.]?\s*/i, '');
  // "D) 1 unit to the left…": the letter, followed by the option's own text.
  const labelled =
    /^[(*_\s]*([A-Za-z])\s*[).:][*_]*\s+(?![A-Za-z][).:](?:\s|$))(?!.*(?:^|\s)\(?[A-Za-z]\)(?:\s|$))/.exec(u);
  const t = labelled ? labelled[1] : u.replace(/[()[\]{}*_.:$\s]/g, '');
  if (!/^[A-Za-z]$/.test(t)) return { equal: false, detail: 'not a single choice letter' };
  return { equal: expected.some((e) => e.trim().toUpperCase() === t.toUpperCase()) };
}

function normText(s: string): string {
  return unwrapText(s)
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/^["'“”„«»\s]+|["'“”„«».!?\s]+$/g, '');
}

function compareText(candidate: string, expected: string[]): Comparison {
  const c = normText(candidate);
  return { equal: expected.some((e) => normText(e) === c) };
}
