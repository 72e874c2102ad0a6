import { matchBrace } from '../latex/brackets.js';
import { escapeVisible, type Html, trusted } from './escape.js';
import { MAX_MATH_CHARS, type MathRenderer } from './math.js';

/**
 * A small Markdown subset for exam text and model answers: paragraphs, line breaks, lists, headings as bold lines,
 * fenced and inline code, **bold**, and maths (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`, and a bare `\boxed{…}`).
 *
 * Everything outside maths is escaped first and never becomes markup of the author's choosing: there are no links,
 * images or raw HTML, so `[x](javascript:…)`, `<img onerror>` and `<script>` show as text. Maths goes to KaTeX with
 * `trust: false`.
 */
export interface MarkdownOptions {
  /** Single newlines become line breaks (model answers); otherwise they are soft wraps (exam text). */
  breaks?: boolean;
}

export function renderMarkdown(text: string, math: MathRenderer, opts: MarkdownOptions = {}): Html {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) out.push(renderParagraph(para, math, opts));
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const fence = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (fence) {
      flush();
      const marker = fence[1];
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]);
        if (close && close[1][0] === marker[0] && close[1].length >= marker.length) break;
        body.push(lines[j]);
      }
      out.push(`<pre class="code"><code>${escapeVisible(body.join('\n'))}</code></pre>`);
      i = j;
      continue;
    }
    if (lines[i].trim() === '') flush();
    else para.push(lines[i]);
  }
  flush();
  return trusted(out.join('\n'));
}

const BULLET = /^\s{0,3}([-*+])\s+(.*)$/;
const ORDERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;

function renderParagraph(lines: string[], math: MathRenderer, opts: MarkdownOptions): string {
  const out: string[] = [];
  let text: string[] = [];
  let list: { tag: 'ul' | 'ol'; start: number; items: string[][] } | undefined;
  const flushText = () => {
    if (text.length) out.push(`<p>${renderInline(text.join('\n'), math, opts)}</p>`);
    text = [];
  };
  const flushList = () => {
    if (!list) return;
    const start = list.tag === 'ol' && list.start !== 1 ? ` start="${list.start}"` : '';
    const items = list.items.map((item) => `<li>${renderInline(item.join('\n'), math, opts)}</li>`).join('');
    out.push(`<${list.tag}${start}>${items}</${list.tag}>`);
    list = undefined;
  };
  for (const line of lines) {
    const heading = HEADING.exec(line);
    const bullet = BULLET.exec(line);
    const ordered = ORDERED.exec(line);
    if (heading) {
      flushText();
      flushList();
      out.push(`<p class="md-h"><strong>${renderInline(heading[2], math, opts)}</strong></p>`);
    } else if (bullet || ordered) {
      flushText();
      const tag = bullet ? 'ul' : 'ol';
      if (list && list.tag !== tag) flushList();
      if (!list) list = { tag, start: ordered ? Math.min(Number(ordered[1]), 1e9) : 1, items: [] };
      list.items.push([(bullet ?? ordered)![2]]);
    } else if (list && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1].push(line.trim());
    } else {
      flushList();
      text.push(line);
    }
  }
  flushText();
  flushList();
  return out.join('');
}

/** Finds the `}` that closes the `{` at `open`, looking at most `limit` characters ahead; -1 when unbalanced. */
function closingBrace(s: string, open: number, limit: number): number {
  return matchBrace(s.length - open > limit ? s.slice(0, open + limit) : s, open);
}

/** Pandoc's rule for `$…$`: no space after the opening `$`, none before the closing one, no digit after it. */
function inlineDollarEnd(s: string, start: number): number {
  if (start + 1 >= s.length || /\s/.test(s[start + 1])) return -1;
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '\n' && s[i + 1] === '\n') return -1;
    if (c === '$') {
      if (s[i + 1] === '$') return -1;
      if (/\s/.test(s[i - 1]) || /\d/.test(s[i + 1] ?? '')) return -1;
      return i;
    }
  }
  return -1;
}

function renderText(s: string, opts: MarkdownOptions): string {
  let html: string = escapeVisible(s);
  // Escaping leaves no `<` in html, so the tags added below are the only markup.
  html = html.replace(/\*\*(?=\S)([^*\n]{0,2000}?\S)\*\*/g, '<strong>$1</strong>');
  return opts.breaks ? html.replace(/\n/g, '<br>\n') : html.replace(/\n/g, ' ');
}

export function renderInline(s: string, math: MathRenderer, opts: MarkdownOptions = {}): Html {
  let out = '';
  let plain = 0;
  let i = 0;
  // A closer that is not found once is not found later either: keeps `\(\(\(…` linear.
  const missing = new Set<string>();
  const find = (needle: string, from: number) => {
    if (missing.has(needle)) return -1;
    const at = s.indexOf(needle, from);
    if (at < 0) missing.add(needle);
    return at;
  };
  const emit = (end: number, markup: string, next: number) => {
    out += renderText(s.slice(plain, end), opts) + markup;
    plain = i = next;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '`') {
      const close = find('`', i + 1);
      if (close > i + 1) {
        emit(i, `<code>${escapeVisible(s.slice(i + 1, close))}</code>`, close + 1);
        continue;
      }
    } else if (c === '$' && s[i + 1] === '$') {
      const close = find('$$', i + 2);
      if (close > i + 2) {
        emit(i, math(s.slice(i + 2, close), true), close + 2);
        continue;
      }
    } else if (c === '$') {
      const close = inlineDollarEnd(s, i);
      if (close > 0) {
        emit(i, math(s.slice(i + 1, close), false), close + 1);
        continue;
      }
    } else if (c === '\\' && (s[i + 1] === '(' || s[i + 1] === '[')) {
      const display = s[i + 1] === '[';
      const close = find(display ? '\\]' : '\\)', i + 2);
      if (close > 0) {
        emit(i, math(s.slice(i + 2, close), display), close + 2);
        continue;
      }
    } else if (c === '\\' && s.startsWith('\\boxed{', i)) {
      const close = closingBrace(s, i + 6, MAX_MATH_CHARS);
      if (close > 0) {
        emit(i, math(s.slice(i, close + 1), false), close + 1);
        continue;
      }
    } else if (c === '\\') {
      i += 2;
      continue;
    }
    i++;
  }
  out += renderText(s.slice(plain), opts);
  return trusted(out);
}
