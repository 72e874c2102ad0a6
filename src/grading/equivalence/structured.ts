import { splitTopLevel } from '../../latex/brackets.js';
import { checkListSize } from '../answer-budget.js';
import { superscriptsToPowers } from '../latex.js';
import type { Comparison } from './comparison.js';
import { compareExpression } from './expressions.js';
import { isBareName, pickSide, scalarOf, scalarsEqual } from './numbers.js';

/**
 * Answers made of several values: sets (unordered, duplicates merged), tuples and points (ordered) and
 * intervals (with their open or closed ends; inequalities and set-builder forms read as intervals).
 */

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

export function compareSet(candidate: string, expected: string[], tol?: number): Comparison {
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

export function compareTuple(candidate: string, expected: string[], tol?: number): Comparison {
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

export interface Interval {
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

export function compareInterval(candidate: string, expected: string, tol?: number): Comparison {
  const want = parseInterval(expected);
  if (!want) return { equal: false, detail: `the expected interval "${expected}" does not parse` };
  const got = parseInterval(candidate);
  if (!got) return { equal: false, detail: 'not an interval' };
  const infinite = (s: string) => INF.test(s.replace(/\s+/g, '')) || NEG_INF.test(s.replace(/\s+/g, ''));
  const loOk = endsEqual(got.lo, want.lo, tol) && (infinite(want.lo) || got.loClosed === want.loClosed);
  const hiOk = endsEqual(got.hi, want.hi, tol) && (infinite(want.hi) || got.hiClosed === want.hiClosed);
  return { equal: loOk && hiOk };
}
