import { escapeVisible, type Html, hasInvisible, trusted } from './escape.js';

/** Renders one maths span (without its delimiters) to markup. */
export type MathRenderer = (tex: string, display: boolean) => Html;

/** Longer spans are shown as source: nobody reads them as maths, and KaTeX time grows with them. */
export const MAX_MATH_CHARS = 4000;

/**
 * KaTeX to MathML at build time: no fonts, CSS or script in the report, and Chromium/Firefox/Safari render MathML
 * natively. `trust: false` renders `\href`, `\url`, `\htmlStyle` … as inert red text; `maxSize` keeps `\rule{1e5em}`
 * from covering the page; `maxExpand` stops `\def\x{\x}\x`.
 */
export async function loadMathRenderer(): Promise<MathRenderer> {
  const katex = (await import('katex')).default;
  const cache = new Map<string, Html>();
  return (tex, display) => {
    const key = `${display ? 'D' : 'I'}${tex}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let out: Html;
    // KaTeX would pass bidi overrides through into the formula; show the source with visible markers instead.
    if (tex.length > MAX_MATH_CHARS || hasInvisible(tex)) {
      out = trusted(`<code class="math-src">${escapeVisible(tex)}</code>`);
    } else {
      try {
        out = trusted(
          katex.renderToString(tex, {
            output: 'mathml',
            displayMode: display,
            throwOnError: false,
            trust: false,
            strict: 'ignore',
            maxSize: 10,
            maxExpand: 300,
          }),
        );
      } catch {
        // throwOnError:false still throws on some internal errors; never let maths break a report.
        out = trusted(`<code class="math-src">${escapeVisible(tex)}</code>`);
      }
    }
    if (cache.size < 5000) cache.set(key, out);
    return out;
  };
}

/** For tests and plain-text contexts: maths shown as its escaped source. */
export const mathAsSource: MathRenderer = (tex) => trusted(`<code class="math-src">${escapeVisible(tex)}</code>`);
