import { type BracketReading, scanTopLevel } from '../latex/brackets.js';

/**
 * Cutting a stated value out of prose: after a cue ("the answer is …") or a verb ("… is 43.") comes the value,
 * then often more words ("… 720 different arrangements, since …"). The span ends at the sentence's end or at a
 * clause that explains rather than states, and it counts only when it looks like a value at all.
 */

/** Prose with maths in it: `$…$` is skipped, `\(…\)` and `\[…\]` nest like brackets, stray closers are ignored. */
const SENTENCE_READING: BracketReading = { brackets: '([{', backslash: 'brackets', dollars: true, clamp: true };

/** Where a top-level sentence ends in `s`: a full stop before a space and a capital, a blank line, `!` or `?`. */
export function sentenceEnd(s: string): number {
  const end = scanTopLevel(
    s,
    (i) => {
      const c = s[i];
      if (c === '\n' && s[i + 1] === '\n') return true;
      if (c === '\n' && /^\s*(?:[-*#>]|\d+[.)]\s)/.test(s.slice(i + 1, i + 6))) return true;
      if (c === '!' || c === '?') return true;
      if (c === '.' || c === '。') {
        const next = s.slice(i + 1, i + 3);
        // A decimal point (1.5), an ellipsis or an abbreviation (e.g.) keeps going.
        if (/^\d/.test(next)) return false;
        // "A sorozat 10. tagja", "e.g. the": a full stop before a lower-case word ends no sentence.
        if (/^[ \t][a-záéíóöőúüű]/.test(next)) return false;
        return next === '' || /^\s/.test(next);
      }
      return false;
    },
    SENTENCE_READING,
  );
  return end < 0 ? s.length : end;
}

/** Clauses that follow a stated value and explain it: they are not part of the answer. */
const TRAILING_CLAUSE =
  /(?:,\s*(?:which|so|since|because|as|where|with|leaving|and\s+(?:so|this|that|thus|hence|we|the|it)|but|i\.e\.|that is|meaning|giving)\b|\s+(?:because|since|as\s+(?:required|expected|shown|computed)|where|(?:rounded|correct)\s+to|to\s+\d+\s+(?:decimal|significant)|mert|hiszen|ahol|ami|amely)\b|,?\s+or\s+(?:about|approximately|roughly|equivalently|in\s+decimals?)\b|\s+\((?=\s*(?:[A-Za-zÀ-ž]{3,}|[\d.,]+\s+[A-Za-z]{2,}|[≈~]|\\approx))|\s+[—–]\s+|;\s)/i;

/** `s` cut at the first explaining clause outside maths and brackets (parentheses may hold the clause). */
export function cutClause(s: string): string {
  const cut = scanTopLevel(
    s,
    (i) => {
      const c = s[i];
      // "= (x − 3)/2": a bracket right after an operator is maths, not an aside.
      if (c === ' ' && /[=+\-−×·*/^]\s*$/.test(s.slice(Math.max(0, i - 3), i))) return false;
      if (c !== ',' && c !== ' ' && c !== ';') return false;
      const m = TRAILING_CLAUSE.exec(s.slice(i, i + 40));
      return m !== null && m.index === 0;
    },
    { brackets: '[{', dollars: true, clamp: true },
  );
  return cut < 0 ? s : s.slice(0, cut);
}

/** Markdown emphasis and code marks that wrap an answer (`**43**`, `_43_`, `` `43` ``). */
export function stripMarkdown(s: string): string {
  return s
    .replace(/\*\*|__|`/g, '')
    .replace(/(^|\s)[*_](?=\S)|(?<=\S)[*_](?=\s|$|[.,;:])/g, '$1')
    .trim();
}

const FILLERS =
  /^(?:[:=：]|is|are|equals?(?:\s+to)?|of|approximately|approx\.?|about|roughly|around|exactly|precisely|just|only|then|simply|given\s+by|found\s+to\s+be|körülbelül|kb\.|kerekítve|pontosan|tehát|a|az|the\s+(?:value|number|result)|≈|~|\\approx)\s*/i;

/** Leading fillers ("approximately", ":", "=") and trailing punctuation removed. */
export function trimSpan(s: string): string {
  let t = stripMarkdown(s.trim());
  for (let k = 0; k < 6; k++) {
    const before = t;
    t = t.replace(FILLERS, '').trim();
    if (t === before) break;
  }
  return t
    .replace(/[\s.,;:!。]+$/, '')
    .replace(/^\*+|\*+$/g, '')
    .trim();
}

/** The delimiter that closes the maths segment `from` stands in ("$", "$$", "\\)", "\\]"), if it stands in one. */
function openMathAt(text: string, from: number): string | undefined {
  let open: string | undefined;
  for (let i = 0; i < from; i++) {
    const c = text[i];
    if (c === '\\') {
      const n = text[i + 1];
      if (!open && (n === '(' || n === '[')) open = n === '(' ? '\\)' : '\\]';
      else if (open && ((n === ')' && open === '\\)') || (n === ']' && open === '\\]'))) open = undefined;
      i++;
      continue;
    }
    if (c === '$') {
      const d = text[i + 1] === '$' ? '$$' : '$';
      if (d === '$$') i++;
      if (!open) open = d;
      else if (open === d) open = undefined;
    }
  }
  return open;
}

/** The value a sentence states after `from`: up to the sentence's end, cut at an explaining clause. */
export function spanAt(text: string, from: number): string {
  let rest = text.slice(from);
  // A value inside maths ends with the maths: "$$x = 6$$ and we are done" states 6.
  const close = openMathAt(text, from);
  if (close) {
    const at = rest.indexOf(close);
    if (at >= 0) rest = rest.slice(0, at);
  }
  return trimSpan(cutClause(rest.slice(0, sentenceEnd(rest))));
}

const VALUE_START =
  /^(?:[-−+±]?\s*(?:\d|\.\d)|[-−+]?\s*\\(?:d?frac|tfrac|sqrt|pi|infty|varnothing|emptyset|left|\{|mathbb|cdot)|[-−+]?\s*[π√∞∅{[(]|\\\(|\\\[|\$|\\boxed)/;
const CHOICE = /^\(?[A-Ea-e]\)?(?:[.)]?\s|[.)]?$)/;
const EQUATION =
  /^\\?[A-Za-z]{1,3}(?:_\{?[A-Za-z0-9,]+\}?)?(?:'+|\^\{?-1\}?|⁻¹)?(?:\s*\((?:[^()]|\\text\{[^}]*\}){1,40}\))?\s*(?:=|≈|\\approx|≥|≤|<|>|\\[gl]eq?\b|\\in\b|∈)(?!=)/;
export const NONE_ANSWER =
  /^(?:no\s+(?:real\s+)?solutions?|there\s+(?:is|are)\s+no\s+(?:real\s+)?solutions?|none|the\s+empty\s+set|empty\s+set|nincs\s+(?:valós\s+)?megoldás(?:a)?|nincs\s+ilyen|üres\s+halmaz)\b/i;
const WORD_ANSWER =
  /^(?:yes|no|true|false|igen|nem|igaz|hamis|even|odd|páros|páratlan|increasing|decreasing|never|always)\b/i;

export interface ValueHint {
  /** The answer kind the key has: text answers may be words; choice answers may be a bare letter. */
  kind?: string;
}

/** Whether a span reads as a stated value (a number, maths, an option letter, an assignment, "no solution"). */
export function isValueLike(span: string, hint: ValueHint = {}): boolean {
  const t = span.trim();
  if (!t || t.length > 400) return false;
  // A maths delimiter alone ("\\[", "$$") opens a value; it is not one.
  if (/^(?:\\[[(\])]|\$+|\\begin\{[a-z*]+\})$/.test(t)) return false;
  if (VALUE_START.test(t) || EQUATION.test(t) || NONE_ANSWER.test(t) || WORD_ANSWER.test(t)) return true;
  if (/^(?:option|choice|answer)\s+\(?[A-E]\)?\b/i.test(t)) return true;
  // A named point: "M(2; 0)", "P(−1, 4)".
  if (/^[A-Z]_?\d?\s*\(\s*[-−+]?[\d.,]+\s*[;,]\s*[-−+]?[\d.,]+\s*\)/.test(t)) return true;
  if (CHOICE.test(t) && (hint.kind === 'choice' || /^\(?[A-E]\)/.test(t) || t.length <= 2)) return true;
  if (hint.kind === 'text') return t.split(/\s+/).length <= 8;
  return false;
}

/** The last number or maths segment in a sentence, with a short unit after it ("… 720 arrangements are …"). */
export function lastValueIn(sentence: string): string | undefined {
  const re =
    /(\$[^$]+\$|\\\([\s\S]+?\\\)|[-−+]?\\[dt]?frac\{[^{}]+\}\{[^{}]+\}|(?<![{^_\\\w])[-−+]?\d[\d\s,.']*(?:\/\d+)?(?:\s*(?:%|°|€|Ft|\\%|[a-zA-Zé²³]{1,6}(?:\^?\{?\d\}?)?)(?![A-Za-z]))?)/g;
  let last: string | undefined;
  for (const m of sentence.matchAll(re)) {
    const v = m[1].trim().replace(/[\s,.]+$/, '');
    // A relation ("$x \neq 3$") is a condition, not a value.
    if (/\\neq|\\[lg]eq?\b|[<>≠≤≥]/.test(v)) continue;
    if (/\d|\$|\\\(/.test(v)) last = v;
  }
  return last;
}
