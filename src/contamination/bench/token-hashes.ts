import { fmix32, stringHash2 } from '../hash.js';
import { latexNormalize, NUM_TOKEN, type WordNormalization } from '../normalize.js';

/**
 * Index-building fast paths that give exactly what the reference functions in normalize.ts give, without making a
 * string per token: `wordTokens` followed by `stringHash2` of each token, and `gpt4Chars` followed by hashing its
 * 25-character grams. Regex replaces and splits cost ~100 ns a character on MMLU's 6 million; these loops cost a
 * few. tests/bench-tokens.test.ts holds them to the reference on every item of the shipped pack.
 */

/** Python's `str.isspace()` characters (PY_WHITESPACE in normalize.ts). */
function isPyWhitespace(c: number): boolean {
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

/** `string.punctuation`, which the janitor deletes: 0x21–0x2F, 0x3A–0x40, 0x5B–0x60, 0x7B–0x7E. */
const isPunct = (c: number) =>
  (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);

const ND = /^\p{Nd}$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

/** Whether `wordTokens(text, norm, language)` is the janitor pipeline these loops reproduce. */
export function fastTokensApply(norm: WordNormalization, language?: string): boolean {
  if (norm.tokenizer && norm.tokenizer !== 'whitespace') return false;
  // Stemming applies to English and to texts of unknown language.
  return !norm.stem || (language !== undefined && language !== 'en');
}

/** latexNormalize changes only text with a backslash, a dollar or a tilde (else it only merges spaces). */
const LATEX_CHARS = /[\\$~]/;

let scratch = new Uint16Array(256);
const NUM = stringHash2(NUM_TOKEN);

/** Receives each token's two hash halves, in order. */
export type TokenSink = (h1: number, h2: number) => void;

/**
 * Calls `sink` with `stringHash2(t)` for each token `t` of `wordTokens(text, norm)`; only for normalisations where
 * `fastTokensApply` holds.
 */
export function forEachTokenHash(text: string, norm: WordNormalization, sink: TokenSink): void {
  const s = norm.latex && LATEX_CHARS.test(text) ? latexNormalize(text) : text;
  const mask = norm.maskNumbers === true;
  let len = 0;
  let inDigits = false;
  const flush = () => {
    if (len > 0) {
      const [h1, h2] = codeUnitHash2(scratch, 0, len);
      sink(h1, h2);
      len = 0;
    }
  };
  const push = (c: number) => {
    if (inDigits) {
      sink(NUM[0], NUM[1]);
      inDigits = false;
    }
    if (len === scratch.length) {
      const grown = new Uint16Array(scratch.length * 2);
      grown.set(scratch);
      scratch = grown;
    }
    scratch[len++] = c;
  };
  const digit = () => {
    if (!inDigits) {
      flush();
      inDigits = true;
    }
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (isPunct(c)) continue;
      if (isPyWhitespace(c)) {
        flush();
        if (inDigits) {
          sink(NUM[0], NUM[1]);
          inDigits = false;
        }
      } else if (mask && c >= 48 && c <= 57) digit();
      else push(c >= 65 && c <= 90 ? c + 32 : c);
    } else if (isPyWhitespace(c)) {
      flush();
      if (inDigits) {
        sink(NUM[0], NUM[1]);
        inDigits = false;
      }
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const pair = s.slice(i, i + 2);
      if (mask && ND.test(pair)) digit();
      else {
        push(c);
        push(s.charCodeAt(i + 1));
      }
      i++;
    } else if (mask && ND.test(s[i])) digit();
    else push(c);
  }
  flush();
  if (inDigits) sink(NUM[0], NUM[1]);
}

/**
 * `gpt4Chars(text)` (letters and digits only) as UTF-16 code units in a shared buffer, valid until the next call:
 * hash its grams with `codeUnitHash2`.
 */
export function gpt4CharCodes(text: string): { codes: Uint16Array; length: number } {
  if (scratch.length < text.length) scratch = new Uint16Array(Math.max(text.length, scratch.length * 2));
  let len = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) scratch[len++] = c;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      if (LETTER_OR_DIGIT.test(text.slice(i, i + 2))) {
        scratch[len++] = c;
        scratch[len++] = text.charCodeAt(i + 1);
      }
      i++;
    } else if (LETTER_OR_DIGIT.test(text[i])) scratch[len++] = c;
  }
  return { codes: scratch, length: len };
}

/** `stringHash2` of `String.fromCharCode(...codes.subarray(start, end))`. */
export function codeUnitHash2(codes: Uint16Array, start: number, end: number): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ (end - start);
  for (let i = start; i < end; i++) {
    const c = codes[i];
    a = Math.imul(a ^ c, 0x01000193);
    let k = Math.imul(c, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    b ^= Math.imul(k, 0x1b873593);
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }
  return [fmix32(a ^ (end - start)) >>> 0, fmix32(b) >>> 0];
}
