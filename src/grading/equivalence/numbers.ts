import type { MathNode } from 'mathjs';
import { splitTopLevel } from '../../latex/brackets.js';
import { BudgetExceeded, checkListSize } from '../answer-budget.js';
import { latexToMathjs, superscriptsToPowers } from '../latex.js';
import type { Comparison } from './comparison.js';
import { exactValue, type Rational, rat, toBig } from './exact.js';
import { type Big, CONSTANTS, freeSymbols, hasGrowth, M, parseNode } from './mathjs.js';

/**
 * Numbers and fractions: the value a candidate states (the last exact side of "x = 2√2 ≈ 2.83", without units,
 * currency or thousands separators), compared exactly as rationals where both sides are rational, otherwise at
 * 64 significant digits; percentages match both 25 and 0.25.
 */

export interface Scalar {
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

export function isBareName(side: string): boolean {
  const t = side.replace(/\\(?:mathrm|text|operatorname)\s*\{([^}]*)\}/g, '$1').trim();
  return /^\\?[A-Za-z][A-Za-z]*(?:_\{?[A-Za-z0-9,]+\}?)?(?:'+)?(?:\s*\([^()]*\))?$/.test(t) && !/^(?:\\?pi|e)$/.test(t);
}

/** The side of an equation/approximation chain to compare: the last exact one, else the last approximate one. */
export function pickSide(text: string): string {
  const { exact, approx } = valueSides(text);
  if (exact.length) return exact[exact.length - 1];
  if (approx.length) return approx[approx.length - 1];
  return text;
}

export function approxValue(node: MathNode, scope: Record<string, Big> = {}): Big | undefined {
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

export function scalarOf(raw: string, mode: 'number' | 'expression', variables?: Set<string>): Scalar | undefined {
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

export function scalarsEqual(a: Scalar, b: Scalar, tol?: number): boolean {
  if (tol === undefined && a.exact && b.exact) return a.exact.n === b.exact.n && a.exact.d === b.exact.d;
  const x = a.approx ?? toBig(a.exact!);
  const y = b.approx ?? toBig(b.exact!);
  return bigClose(x, y, tol);
}

export function bigClose(x: Big, y: Big, tol?: number): boolean {
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

export function compareNumber(candidate: string, expected: string, tol?: number): Comparison {
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
