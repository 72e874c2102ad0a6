import type { MathNode } from 'mathjs';
import { checkDeadline, checkFactorialArgument } from '../answer-budget.js';
import { type Big, M } from './mathjs.js';

/**
 * Exact rational arithmetic on parsed numbers, so that 1/2004! and 1/2006! differ where 64-digit floats give 0
 * for both; it gives up (undefined) on anything but +, -, *, /, integer powers and factorials, or when too big.
 */

export interface Rational {
  n: bigint;
  d: bigint;
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
export const rat = (n: bigint, d: bigint = 1n): Rational => {
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
export function exactValue(node: MathNode): Rational | undefined {
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

export function toBig(r: Rational): Big {
  return M.bignumber(r.n.toString()).div(M.bignumber(r.d.toString())) as Big;
}
