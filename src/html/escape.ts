/**
 * HTML building blocks. Every string that reaches a report goes through `escapeHtml` or is produced by code here
 * (or by KaTeX, which escapes its own input). Templates print plain strings with `{{ }}` and only `Html` values
 * with `{{{ }}}`.
 */

declare const htmlBrand: unique symbol;
/** A fragment of markup that is safe to insert as is. Only this module and the renderers create one. */
export type Html = string & { readonly [htmlBrand]: true };

export const trusted = (markup: string) => markup as Html;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): Html {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]) as Html;
}

/**
 * Characters that change how text around them displays without being visible: bidi embeddings, overrides and
 * isolates (which can make "108" read as "801"), zero-width characters, and C0/C1 controls. In a report they are
 * shown as a visible marker so that a reader sees exactly what the model wrote.
 */
export const INVISIBLE_RE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

export function hasInvisible(text: string): boolean {
  INVISIBLE_RE.lastIndex = 0;
  const found = INVISIBLE_RE.test(text);
  INVISIBLE_RE.lastIndex = 0;
  return found;
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Escapes text and replaces each invisible control character with a visible, inert marker. */
export function escapeVisible(text: string): Html {
  let out = '';
  let last = 0;
  INVISIBLE_RE.lastIndex = 0;
  for (let m = INVISIBLE_RE.exec(text); m; m = INVISIBLE_RE.exec(text)) {
    out += escapeHtml(text.slice(last, m.index));
    const cp = codePoint(m[0]);
    out += `<span class="ctrl" title="invisible character ${cp} shown as a marker">${cp}</span>`;
    last = m.index + m[0].length;
  }
  INVISIBLE_RE.lastIndex = 0;
  return (out + escapeHtml(text.slice(last))) as Html;
}

/** Text for places where markup is not wanted at all (titles, attributes): invisible characters become markers. */
export function plainVisible(text: string): string {
  return text.replace(INVISIBLE_RE, (c) => `[${codePoint(c)}]`);
}

export interface Truncated {
  text: string;
  /** Length in characters before truncation, when it was cut. */
  truncatedFrom?: number;
}

/** Cuts long text for display (never for grading); the note in the report says how much was left out. */
export function truncateForDisplay(text: string, max: number): Truncated {
  if (text.length <= max) return { text };
  // Do not split a surrogate pair.
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return { text: text.slice(0, end), truncatedFrom: text.length };
}

/** Anchor ids: a stable, safe token from arbitrary ids. */
export function anchorId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]/g, (c) => `.${c.codePointAt(0)!.toString(16)}`)).join('--');
}
