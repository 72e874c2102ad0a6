/**
 * Brace and box scanning over LaTeX-bearing model output, shared by answer extraction, truncation checks and the
 * LaTeX → mathjs conversion, so that every reader agrees on where a group ends.
 */

/** Index of the brace closing the one at `open`, skipping escaped braces; -1 when unbalanced. */
export function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
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
