import { stringHash2 } from '../hash.js';
import { codeUnitsHash } from '../scan/hash.js';
import { isPyWhitespace, latexNormalize, NUM_TOKEN } from '../text/normalize.js';
import type { WordNormalization } from '../text/tokens.js';

/**
 * Index-building fast paths that give exactly what the reference functions in normalize.ts give, without making a
 * string per token: `wordTokens` followed by `stringHash2` of each token, and `gpt4Chars` followed by hashing its
 * 25-character grams. Regex replaces and splits cost ~100 ns a character on MMLU's 6 million; these loops cost a
 * few. tests/bench-tokens.test.ts holds them to the reference on every item of the shipped pack.
 */

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

/** Token hash halves, appended at `length` (the arrays grow by doubling). */
export interface HashColumns {
  h1: Uint32Array;
  h2: Uint32Array;
  length: number;
}

export function appendHash(out: HashColumns, a: number, b: number): void {
  if (out.length === out.h1.length) {
    const g1 = new Uint32Array(Math.max(1024, out.h1.length * 2));
    const g2 = new Uint32Array(g1.length);
    g1.set(out.h1);
    g2.set(out.h2);
    out.h1 = g1;
    out.h2 = g2;
  }
  out.h1[out.length] = a;
  out.h2[out.length] = b;
  out.length++;
}

/** ASCII classes for the janitor: 0 kept (A–Z lowered), 1 deleted punctuation, 2 whitespace, 3 digit. */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_CLASS[c] = isPunct(c) ? 1 : isPyWhitespace(c) ? 2 : c >= 48 && c <= 57 ? 3 : 0;
}

const hashOut = new Int32Array(2);

/** The hash of the token in `scratch[0, len)`, written at `out.length`. */
function appendToken(out: HashColumns, len: number): void {
  codeUnitsHash(scratch, 0, len, hashOut, 0);
  out.h1[out.length] = hashOut[0] >>> 0;
  out.h2[out.length] = hashOut[1] >>> 0;
  out.length++;
}

function appendNum(out: HashColumns): void {
  out.h1[out.length] = NUM[0];
  out.h2[out.length] = NUM[1];
  out.length++;
}

/**
 * Appends `stringHash2(t)` for each token `t` of `wordTokens(text, norm)` to `out`; only for normalisations where
 * `fastTokensApply` holds.
 */
export function appendTokenHashes(text: string, norm: WordNormalization, out: HashColumns): void {
  const s = norm.latex && LATEX_CHARS.test(text) ? latexNormalize(text) : text;
  const mask = norm.maskNumbers === true;
  if (scratch.length < s.length) scratch = new Uint16Array(Math.max(s.length, scratch.length * 2));
  // Every token takes at least one character: room for s.length more, so the loop writes without checks.
  if (out.length + s.length > out.h1.length) {
    const g1 = new Uint32Array(Math.max(out.length + s.length, out.h1.length * 2));
    const g2 = new Uint32Array(g1.length);
    g1.set(out.h1.subarray(0, out.length));
    g2.set(out.h2.subarray(0, out.length));
    out.h1 = g1;
    out.h2 = g2;
  }
  let len = 0;
  // In a run of digits, which masking turns into one <num> token.
  let inDigits = false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    // 0 kept, 1 deleted, 2 whitespace, 3 digit; a surrogate pair is kept or is a digit as a whole.
    let cls: number;
    let pair = false;
    if (c < 128) {
      cls = ASCII_CLASS[c];
      if (cls === 3 && !mask) cls = 0;
      else if (cls === 0 && c >= 65 && c <= 90) c += 32;
    } else if (isPyWhitespace(c)) cls = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      pair = true;
      cls = mask && ND.test(s.slice(i, i + 2)) ? 3 : 0;
    } else cls = mask && ND.test(s[i]) ? 3 : 0;
    if (cls === 1) continue;
    if (cls === 0) {
      if (inDigits) {
        appendNum(out);
        inDigits = false;
      }
      scratch[len++] = c;
      if (pair) scratch[len++] = s.charCodeAt(++i);
      continue;
    }
    if (len > 0) {
      appendToken(out, len);
      len = 0;
    }
    if (cls === 3) {
      inDigits = true;
      if (pair) i++;
    } else if (inDigits) {
      appendNum(out);
      inDigits = false;
    }
  }
  if (len > 0) appendToken(out, len);
  if (inDigits) appendNum(out);
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
  codeUnitsHash(codes, start, end, hashOut, 0);
  return [hashOut[0] >>> 0, hashOut[1] >>> 0];
}
