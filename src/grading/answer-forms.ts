import type { Answer } from '../exam/schema.js';
import { NONE_ANSWER } from './answer-span.js';
import { normalizeNumberText } from './equivalence/numbers.js';

/**
 * Other ways a human reads a stated answer, tried when the answer as written does not compare: "no real solution"
 * for the key "no solution", "x = 3 and y = −1" for the tuple (3, −1), "M(2; 0)" for (2, 0), "25%-kal" (a
 * Hungarian suffix), "960.000 Ft" (dots between thousands), "231,525 Ft in the account", and a decimal rounded
 * from the key ("1,63" for √(8/3)). Each form names what it changed, for the verdict's audit trail.
 */

export interface AnswerForm {
  text: string;
  /** What was read differently; undefined for the answer as written. */
  how?: string;
  /** A looser key for this form (a rounded decimal is compared at its own precision). */
  key?: Answer;
}

const NONE_KEY =
  /^(?:no\s+(?:real\s+)?solutions?|none|nincs\s+(?:valós\s+)?megoldás(?:a)?|∅|\\emptyset|\\varnothing|empty\s+set)$/i;
const NONE_TEXT =
  /^(?:\\text\s*\{\s*)?(?:the\s+equation\s+has\s+no\s+(?:real\s+)?solutions?|no\s+(?:real\s+)?solutions?|nincs(?:en)?\s+(?:valós\s+)?megoldás(?:a|uk)?|∅|\\emptyset|\\varnothing|\\\{\s*\\\}|\{\s*\}|(?:the\s+)?empty\s+set|üres\s+halmaz|none)\s*\}?\.?$/i;

/** Whether a key says "there is no solution". */
export function keyIsNone(key: Answer): boolean {
  return !Array.isArray(key.value) && NONE_KEY.test(String(key.value).trim());
}

/** Whether a stated answer says "there is no solution". */
export function statesNone(text: string): boolean {
  const t = text.trim();
  return NONE_TEXT.test(t) || (NONE_ANSWER.test(t) && t.length < 40);
}

function assignedValues(text: string): { name: string; value: string }[] {
  return [
    ...text.matchAll(
      /(?:^|[\s,;(]|\\text\{\s*and\s*\})\s*([A-Za-z](?:_\{?[A-Za-z0-9]+\}?|[₀-₉]+)?)\s*=\s*([^,;=]+?)(?=\s*(?:,|;|\band\b|\bés\b|\bor\b|\bvagy\b|\\text|\\quad|$))/g,
    ),
  ].map((m) => ({ name: m[1], value: m[2].trim() }));
}

function tupleFromAssignments(text: string): string | undefined {
  const named = assignedValues(text);
  if (named.length < 2) return undefined;
  if (new Set(named.map((p) => p.name)).size !== named.length) return undefined;
  named.sort((a, b) => a.name.localeCompare(b.name));
  return `(${named.map((p) => p.value).join(', ')})`;
}

function roundedKey(text: string, key: Answer): Answer | undefined {
  if ((key.kind !== 'number' && key.kind !== 'fraction') || key.tolerance !== undefined || Array.isArray(key.value))
    return undefined;
  const { text: n, percent } = normalizeNumberText(text);
  const m = /^-?(\d+)\.(\d+)$/.exec(n.trim());
  if (!m) return undefined;
  const significant = `${m[1]}${m[2]}`.replace(/^0+/, '').length;
  // A fraction key asks for the exact value: only a careful decimal (3 significant digits) stands in for it.
  if (significant < (key.kind === 'fraction' ? 3 : 2)) return undefined;
  const places = m[2].length + (percent ? 2 : 0);
  return { ...key, tolerance: 0.5 * 10 ** -places };
}

/** The answer as written first, then each other reading, without repeats. */
export function answerForms(text: string, key: Answer): AnswerForm[] {
  const out: AnswerForm[] = [{ text }];
  const add = (t: string | undefined, how: string, k?: Answer) => {
    if (t && !out.some((f) => f.text === t && !k)) out.push({ text: t, how, ...(k ? { key: k } : {}) });
  };
  const suffixless = text.replace(/(\d|%)-(?:[a-záéíóöőúüű]+)/gi, '$1');
  add(suffixless, 'a Hungarian suffix dropped');
  if (/^\s*[-−]?\d{1,3}(?:\.\d{3})+(?![\d.])/.test(suffixless))
    add(suffixless.replace(/(\d)\.(?=\d{3}(?!\d))/g, '$1'), 'dots read as thousands separators');
  // "The solution set is {4}" where one number is asked.
  const single = /^\s*\\?\{\s*([^{},;]+?)\s*\\?\}\s*$/.exec(suffixless);
  if (single && key.kind !== 'set') add(single[1], 'the one element of a set');
  const leading = /^\s*([-−+]?\d[\d\s.,']*(?:\/\d+)?\s*%?)\s+([^\d=<>≤≥$\\]+)$/.exec(suffixless);
  if (leading) add(leading[1].trim(), 'the number before the words after it');
  // "x₁ = 135°, x₂ = 225°" for the set {135, 225}.
  if (key.kind === 'set') {
    const values = assignedValues(suffixless);
    if (values.length >= 2) add(`{${values.map((v) => v.value).join(', ')}}`, 'the values of the named solutions');
  }
  // A mixed number: "1\tfrac{1}{7}", "1 1/7".
  const mixed =
    /^\s*(?:[A-Za-z]\s*=\s*)?([-−]?)(\d+)\s*(?:\\[dt]?frac\s*\{?(\d+)\}?\s*\{?(\d+)\}?|(\d+)\/(\d+))\s*$/.exec(
      suffixless,
    );
  if (mixed) {
    const whole = Number(mixed[2]);
    const num = Number(mixed[3] ?? mixed[5]);
    const den = Number(mixed[4] ?? mixed[6]);
    if (den > 0 && num < den) add(`${mixed[1] ? '-' : ''}${whole * den + num}/${den}`, 'a mixed number');
  }
  if (key.kind === 'tuple') {
    add(tupleFromAssignments(suffixless), 'the values of the named unknowns, in order');
    const point = /^\s*[A-Z]\s*\(([^()]+)\)\s*$/.exec(suffixless);
    if (point) add(`(${point[1].replace(/;/g, ',')})`, 'a named point');
    if (/^\s*\([^()]*;[^()]*\)\s*$/.test(suffixless))
      add(suffixless.replace(/;/g, ','), 'a semicolon between coordinates');
  }
  for (const f of [...out]) {
    const k = roundedKey(f.text, key);
    if (k) out.push({ text: f.text, how: `${f.how ? `${f.how}; ` : ''}rounded to the answer's decimals`, key: k });
  }
  return out;
}
