import { isPyWhitespace, JANITOR_PUNCTUATION } from './normalize.js';

/**
 * `janitorTokens` (normalize.ts) in one pass over the string, without the three whole-text regular expressions:
 * the corpus scanner tokenises every document the hot loop flags with it. Same result on every string (tested
 * against the reference on random text full of punctuation, capitals, Unicode spaces and lone surrogates): the
 * 32 ASCII punctuation characters are dropped, A–Z (and nothing else) lowered, and the text split where Python's
 * `str.split()` splits.
 */

const PUNCT = new Uint8Array(128);
for (const ch of JANITOR_PUNCTUATION) PUNCT[ch.charCodeAt(0)] = 1;

let units = new Uint16Array(256);

export function janitorTokensFast(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (isPyWhitespace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    // What the token needs: dropping punctuation (inside it, or only at its ends), lowering capitals.
    let first = -1;
    let last = -1;
    let sawPunct = false;
    let inner = false;
    let upper = false;
    let ascii = true;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        if (PUNCT[c] === 1) {
          if (first >= 0) sawPunct = true;
          continue;
        }
        if (isPyWhitespace(c)) break;
        if (c >= 0x41 && c <= 0x5a) upper = true;
      } else {
        if (isPyWhitespace(c)) break;
        ascii = false;
      }
      if (first < 0) first = i;
      else if (sawPunct) inner = true;
      last = i;
    }
    if (first < 0) continue;
    // Punctuation only around the word ("(word)," or "end."), or none: a slice of the text.
    if (!inner) {
      const t = text.slice(first, last + 1);
      // On ASCII, toLowerCase changes exactly A–Z, as the janitor does; elsewhere it would also lower "É".
      out.push(!upper ? t : ascii ? t.toLowerCase() : t.replace(/[A-Z]+/g, (run) => run.toLowerCase()));
      continue;
    }
    if (units.length < i - start) units = new Uint16Array(2 * (i - start));
    let len = 0;
    for (let k = start; k < i; k++) {
      const c = text.charCodeAt(k);
      if (c < 0x80 && PUNCT[c] === 1) continue;
      units[len++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    out.push(codeUnitsToString(units, len));
  }
  return out;
}

function codeUnitsToString(u: Uint16Array, len: number): string {
  let s = '';
  for (let k = 0; k < len; k += 4096) {
    s += String.fromCharCode.apply(null, u.subarray(k, Math.min(len, k + 4096)) as unknown as number[]);
  }
  return s;
}
