import { matchBrace } from '../../latex/brackets.js';

/**
 * Character-level text normalisation for the contamination rules (word tokens are in tokens.ts). Each rule names
 * its normalisation, so that a figure reported under "gpt3-13gram" means what it means in the GPT-3 paper and
 * lm-evaluation-harness.
 *
 * These functions are the slow, obviously-correct reference. Fast loops elsewhere (the corpus scanner) are
 * tested against them.
 */

/** Python's `string.punctuation`: the 32 ASCII punctuation characters the janitor deletes. */
export const JANITOR_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const PUNCT_RE = /[!-/:-@[-`{-~]/g;

/**
 * lm-evaluation-harness `Janitor.normalize_string`: `str.translate` with a table that maps A–Z to a–z
 * (nothing else: "É" stays "É") and deletes `string.punctuation` (the ASCII ranges 0x21–0x2F, 0x3A–0x40,
 * 0x5B–0x60 and 0x7B–0x7E).
 */
export function janitorNormalize(text: string): string {
  const s = text.replace(PUNCT_RE, '');
  // On pure ASCII, toLowerCase maps exactly A–Z; elsewhere it would also fold "É", which the janitor keeps.
  return ASCII_RE.test(s) ? s.toLowerCase() : s.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

const ASCII_RE = /^[\x00-\x7f]*$/;

/**
 * The characters Python's `str.split()` splits on (`str.isspace()`): Unicode White_Space plus the ASCII
 * separators U+001C–U+001F, which JavaScript's `\s` misses. U+200B and U+FEFF are not whitespace in Python.
 */
export const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const PY_NON_WHITESPACE_G = new RegExp(`[^${PY_WHITESPACE.source.slice(1, -2)}]+`, 'g');

/** Python `str.isspace()` for one UTF-16 code unit: the characters of PY_WHITESPACE (none lies outside the BMP). */
export function isPyWhitespace(c: number): boolean {
  if (c < 128) return (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20);
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Python `str.split()` with no argument: split on runs of whitespace, drop empty strings. */
export function pySplit(text: string): string[] {
  return text.match(PY_NON_WHITESPACE_G) ?? [];
}

/** The janitor's word tokens: `janitorNormalize(text).split()`. Idempotent on already-normalised text. */
export function janitorTokens(text: string): string[] {
  return pySplit(janitorNormalize(text));
}

/** The GPT-4 report's processing for its 50-character rule: keep only letters and digits (no spaces, no symbols). */
export function gpt4Chars(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, '');
}

const SPACING = [
  '\\quad',
  '\\qquad',
  '\\enspace',
  '\\thinspace',
  '\\medspace',
  '\\thickspace',
  '\\negthinspace',
  '\\negmedspace',
  '\\negthickspace',
  '\\displaystyle',
  '\\textstyle',
  '\\left',
  '\\right',
  '\\bigl',
  '\\bigr',
  '\\Bigl',
  '\\Bigr',
  '\\big',
  '\\Big',
];

const SPACING_RE = new RegExp(`(?:${SPACING.map((c) => c.replace(/\\/g, '\\\\')).join('|')})(?![a-zA-Z])`, 'g');

/** One argument of a LaTeX command: a braced group or a single character (`\frac12`). */
function readArg(s: string, i: number): { arg: string; end: number } | undefined {
  while (i < s.length && s[i] === ' ') i++;
  if (i >= s.length) return undefined;
  if (s[i] === '{') {
    const j = matchBrace(s, i);
    return j === -1 ? undefined : { arg: s.slice(i + 1, j), end: j + 1 };
  }
  if (s[i] === '\\') {
    const m = /^\\[a-zA-Z]+/.exec(s.slice(i));
    if (m) return { arg: m[0], end: i + m[0].length };
  }
  return { arg: s[i], end: i + 1 };
}

/**
 * LaTeX-aware clean-up, applied before a rule's own normalisation: drops `$`, `\(`…`\)`, `\left`/`\right`,
 * sizing and spacing commands; unwraps `\text{…}` (and `\mathrm`, `\textbf`, `\mbox`, `\operatorname`);
 * turns `\dfrac`/`\tfrac` into `\frac` and writes `\frac12` as `\frac{1}{2}`, so that "$\frac{1}{2}$" and
 * "\dfrac12" come out the same.
 */
export function latexNormalize(text: string): string {
  let s = text
    .replace(/\\\(|\\\)|\\\[|\\\]/g, ' ')
    .replace(/\$/g, ' ')
    .replace(/\\[dt]frac(?![a-zA-Z])/g, '\\frac')
    .replace(/\\[,;:!> ]/g, ' ')
    .replace(/~/g, ' ');
  s = s.replace(SPACING_RE, ' ');
  // Unwrap text-like commands, innermost first.
  const unwrap = /\\(?:text|textrm|textbf|textit|mathrm|mathbf|mathit|mbox|operatorname)\s*\{([^{}]*)\}/g;
  for (let k = 0; k < 5 && unwrap.test(s); k++) s = s.replace(unwrap, ' $1 ');
  // \frac with shorthand arguments → braced.
  let out = '';
  let i = 0;
  for (;;) {
    const j = s.indexOf('\\frac', i);
    if (j < 0 || /[a-zA-Z]/.test(s[j + 5] ?? '')) {
      if (j < 0) {
        out += s.slice(i);
        break;
      }
      out += s.slice(i, j + 5);
      i = j + 5;
      continue;
    }
    out += s.slice(i, j);
    const a = readArg(s, j + 5);
    const b = a && readArg(s, a.end);
    if (!a || !b) {
      out += '\\frac';
      i = j + 5;
      continue;
    }
    out += `\\frac{${latexNormalize(a.arg).trim()}}{${latexNormalize(b.arg).trim()}}`;
    i = b.end;
  }
  return out.replace(/[ \t]+/g, ' ');
}

/** The token that stands for every number in number-masked ("template") mode. */
export const NUM_TOKEN = '<num>';

/**
 * Replaces every run of digits with `<num>` in janitor-normalised text (where "3.5" and "1,000" are
 * already single runs). Run it after `janitorNormalize`, which would delete the angle brackets.
 */
export function maskNumbers(normalized: string): string {
  return normalized.replace(/\p{Nd}+/gu, ` ${NUM_TOKEN} `);
}
