/**
 * Brace and box scanning over LaTeX-bearing model output, shared by answer extraction, truncation checks and the
 * LaTeX → mathjs conversion, so that every reader agrees on where a group ends.
 */

/** How a scan reads brackets, backslashes and dollars; LaTeX, prose and mathjs text need different readings. */
export interface BracketReading {
  /** The opening brackets that nest, each closed by its partner: any of `([{`. Default `{`. */
  brackets?: string;
  /**
   * What a backslash does. `skip` (default): it escapes the next character, which neither opens nor closes
   * (`\{` in LaTeX). `brackets`: `\(`, `\[`, `\{` open and `\)`, `\]`, `\}` close, like the bare brackets
   * (display maths in prose); other escaped characters are skipped. `plain`: it is an ordinary character.
   */
  backslash?: 'skip' | 'brackets' | 'plain';
  /** `$…$` is maths and is skipped whole; a `$` toggles it at any depth. */
  dollars?: boolean;
  /**
   * A closer with nothing open is ignored. Without it the depth goes below zero and nothing after a stray
   * closer is top level (a list "a), b" is one piece).
   */
  clamp?: boolean;
}

/** Which of `(`, `[`, `{` nest, as bits: read per character, so looked up once per reading. */
const PAREN = 1;
const SQUARE = 2;
const BRACE = 4;
const bracketBits = (brackets: string) =>
  (brackets.includes('(') ? PAREN : 0) | (brackets.includes('[') ? SQUARE : 0) | (brackets.includes('{') ? BRACE : 0);

/** +1 for an opener that nests under `bits`, -1 for its closer, 0 for anything else. */
function bracketStep(code: number | undefined, bits: number): number {
  switch (code) {
    case 40: // (
      return bits & PAREN ? 1 : 0;
    case 41:
      return bits & PAREN ? -1 : 0;
    case 91: // [
      return bits & SQUARE ? 1 : 0;
    case 93:
      return bits & SQUARE ? -1 : 0;
    case 123: // {
      return bits & BRACE ? 1 : 0;
    case 125:
      return bits & BRACE ? -1 : 0;
    default:
      return 0;
  }
}

/**
 * The one bracket scanner: reads `text` from `from` and offers `stop` each character that stands at depth 0
 * once read (outside `$…$` with `dollars`; never an escaped character or a `$`). Returns the first index
 * `stop` accepts, or -1.
 */
export function scanTopLevel(
  text: string,
  stop: (i: number) => boolean,
  reading: BracketReading = {},
  from = 0,
): number {
  return scan(text, stop, reading, from, reading.clamp ?? false);
}

function scan(text: string, stop: (i: number) => boolean, reading: BracketReading, from: number, clamp: boolean) {
  const bits = bracketBits(reading.brackets ?? '{');
  const backslash = reading.backslash ?? 'skip';
  const dollars = reading.dollars ?? false;
  let depth = 0;
  let inDollar = false;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 92 /* \ */ && backslash !== 'plain') {
      if (backslash === 'brackets') {
        const step = bracketStep(text.charCodeAt(i + 1), bits);
        if (step > 0 || (step < 0 && (depth > 0 || !clamp))) depth += step;
      }
      i++;
      continue;
    }
    if (dollars && code === 36 /* $ */) {
      inDollar = !inDollar;
      continue;
    }
    if (inDollar) continue;
    const step = bracketStep(code, bits);
    if (step > 0 || (step < 0 && (depth > 0 || !clamp))) depth += step;
    if (depth === 0 && stop(i)) return i;
  }
  return -1;
}

/**
 * Index of the bracket closing the one at `open` (a brace unless `reading` says otherwise), skipping escaped
 * braces; -1 when unbalanced or when `open` is no opening bracket.
 */
export function matchClosing(text: string, open: number, reading: BracketReading = {}): number {
  if (bracketStep(text.charCodeAt(open), bracketBits(reading.brackets ?? '{')) !== 1) return -1;
  // From the opener, depth is at least 1 until its partner closes it: the first top-level character is that one.
  return scan(text, () => true, reading, open, false);
}

/** Index of the brace closing the one at `open`, skipping escaped braces; -1 when unbalanced. */
export function matchBrace(text: string, open: number): number {
  return matchClosing(text, open);
}

/**
 * Reading backwards from `from`: the first index at depth 0 that `stop` accepts, or -1. Read backwards, a
 * closer of `([{` opens a group and its opener ends it; that opener is not offered, but one with nothing open
 * after it is (it starts the group the reading stands in). Backslashes are not read: escapes cannot be told
 * apart reading backwards.
 */
export function scanTopLevelBackward(text: string, stop: (i: number) => boolean, from = text.length - 1): number {
  let depth = 0;
  for (let i = from; i >= 0; i--) {
    const c = text[i];
    if (c === ')' || c === '}' || c === ']') depth++;
    else if ((c === '(' || c === '{' || c === '[') && depth > 0) {
      depth--;
      continue;
    }
    if (depth === 0 && stop(i)) return i;
  }
  return -1;
}

/** Splits on top-level commas or semicolons (semicolons win: "2,5; 3" is a Hungarian list of decimals). */
export function splitTopLevel(text: string): string[] {
  const sep = hasTopLevel(text, ';') ? ';' : ',';
  const out: string[] = [];
  let start = 0;
  scanTopLevel(
    text,
    (i) => {
      if (text[i] === sep) {
        out.push(text.slice(start, i));
        start = i + 1;
      }
      return false;
    },
    LIST_READING,
  );
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Answer lists: `\{…\}` nests like `{…}`, and a stray closer leaves the rest nested. */
const LIST_READING: BracketReading = { brackets: '([{', backslash: 'plain' };

function hasTopLevel(text: string, ch: string): boolean {
  return scanTopLevel(text, (i) => text[i] === ch, LIST_READING) >= 0;
}

export interface BoxSpan {
  /** The box's content, inner boxes unwrapped. */
  content: string;
  /** Where `\boxed` starts and where its closing brace ends (exclusive). */
  start: number;
  end: number;
}

/** Every outermost `\boxed{…}` / `\fbox{…}` in order, with where it stands; nested braces handled. */
export function boxSpans(text: string): BoxSpan[] {
  const out: BoxSpan[] = [];
  const re = /\\(?:boxed|fbox)\s*\{/g;
  let m: RegExpExecArray | null = re.exec(text);
  while (m) {
    const open = m.index + m[0].length - 1;
    const close = matchBrace(text, open);
    if (close < 0) break;
    out.push({ content: unwrapBoxes(text.slice(open + 1, close)), start: m.index, end: close + 1 });
    re.lastIndex = close + 1;
    m = re.exec(text);
  }
  return out;
}

/** Contents of every outermost box in order. */
export function boxedContents(text: string): string[] {
  return boxSpans(text).map((b) => b.content);
}

function unwrapBoxes(s: string): string {
  // Answers like \boxed{\boxed{5}}: keep the innermost when the whole content is a box.
  for (let depth = 0; depth < 50; depth++) {
    const t = s.trim();
    const m = /^\\(?:boxed|fbox)\s*\{/.exec(t);
    if (!m) return t;
    const close = matchBrace(t, m[0].length - 1);
    if (close !== t.length - 1) return t;
    s = t.slice(m[0].length, close);
  }
  return s.trim();
}

/**
 * What is left open at the end of a text: unclosed braces, `$`/`$$`, `\(`, `\[` or `\begin{…}`. Empty when
 * everything closes. Escaped braces and dollars (`\{`, `\$`) do not count.
 */
export function unclosedDelimiters(text: string): string[] {
  const open: string[] = [];
  let braces = 0;
  let dollars = 0;
  let doubleDollars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '(' || next === '[') open.push(`\\${next}`);
      else if (next === ')' || next === ']') {
        const want = next === ')' ? '\\(' : '\\[';
        const at = open.lastIndexOf(want);
        if (at >= 0) open.splice(at, 1);
      }
      i++;
      continue;
    }
    if (c === '{') braces++;
    else if (c === '}') braces = Math.max(0, braces - 1);
    else if (c === '$') {
      if (text[i + 1] === '$') {
        doubleDollars++;
        i++;
      } else dollars++;
    }
  }
  const begins = (text.match(/\\begin\s*\{/g) ?? []).length;
  const ends = (text.match(/\\end\s*\{/g) ?? []).length;
  const out = [...new Set(open)];
  if (braces > 0) out.push('{');
  if (dollars % 2 === 1) out.push('$');
  if (doubleDollars % 2 === 1) out.push('$$');
  if (begins > ends) out.push('\\begin');
  return out;
}
