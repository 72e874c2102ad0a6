import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { escapeHtml, escapeVisible, type Html, plainVisible, trusted } from '../html/escape.js';
import { renderInline, renderMarkdown } from '../html/markdown.js';
import type { MathRenderer } from '../html/math.js';
import { PACKAGE_ROOT } from '../package-root.js';

/** The templates ship as source files (package.json "files" has src/report/templates). */
export const TEMPLATE_DIR = join(PACKAGE_ROOT, 'src/report/templates');

export function readTemplate(name: string): string {
  return readFileSync(join(TEMPLATE_DIR, name), 'utf8');
}

/** Content-Security-Policy for every page we write: no script, no network, inline styles and data: images only. */
export const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; script-src 'none'; " +
  "connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'";

/** The CSP of a page with one inline script: only a script with exactly this text (its SHA-256) may run. */
export function cspWithScript(script: string): string {
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  return CSP.replace("script-src 'none'", `script-src 'sha256-${hash}'`);
}

export type Helpers = Record<string, Handlebars.HelperDelegate>;

/**
 * An isolated Handlebars instance. User text only ever arrives as data: it is printed with `{{ }}` (escaped) or
 * through a helper here that escapes it first; it is never compiled as a template.
 */
export function createEngine(math: MathRenderer, extra: Helpers = {}): typeof Handlebars {
  const hb = Handlebars.create();
  const safe = (h: Html) => new hb.SafeString(h);
  // Per engine (one page): exam and rubric text only; model answers are rendered each time.
  const mdCache = new Map<string, Html>();
  const inlineCache = new Map<string, Html>();
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  hb.registerHelper({
    /** Exam and rubric text: soft line wraps. The same question and criteria recur under every answer: cached. */
    md: (text: unknown) => safe(cached(mdCache, str(text), (t) => renderMarkdown(t, math, { breaks: false }))),
    /** One line (criteria, titles): no paragraphs. */
    mdInline: (text: unknown) => safe(cached(inlineCache, str(text), (t) => renderInline(t, math, { breaks: false }))),
    /** Model answers: every newline is a line break. */
    mdAnswer: (text: unknown) => safe(renderMarkdown(str(text), math, { breaks: true })),
    /** Plain text with invisible characters made visible. */
    visible: (text: unknown) => safe(escapeVisible(str(text))),
    /** For title="" attributes. */
    attr: (text: unknown) => plainVisible(str(text)),
    pct: (v: unknown, digits: unknown) =>
      typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(typeof digits === 'number' ? digits : 1)}%` : '–',
    num: (v: unknown, digits: unknown) => (typeof v === 'number' && Number.isFinite(v) ? formatNumber(v, digits) : '–'),
    signed: (v: unknown, digits: unknown) =>
      typeof v === 'number' && Number.isFinite(v)
        ? `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(typeof digits === 'number' ? digits : 1)}`
        : '–',
    eq: (a: unknown, b: unknown) => a === b,
    and: (a: unknown, b: unknown) => Boolean(a) && Boolean(b),
    or: (a: unknown, b: unknown) => Boolean(a) || Boolean(b),
    not: (a: unknown) => !a,
    gt: (a: unknown, b: unknown) => typeof a === 'number' && typeof b === 'number' && a > b,
    join: (v: unknown, sep: unknown) => (Array.isArray(v) ? v.map(str).join(typeof sep === 'string' ? sep : ', ') : ''),
    plural: (n: unknown, word: unknown) => `${str(n)} ${str(word)}${n === 1 ? '' : 's'}`,
    ...extra,
  });
  return hb;
}

function cached(cache: Map<string, Html>, key: string, render: (t: string) => Html): Html {
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = render(key);
    cache.set(key, hit);
  }
  return hit;
}

function formatNumber(v: number, digits: unknown): string {
  if (typeof digits === 'number') return v.toFixed(digits);
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

export interface PageOptions {
  title: string;
  /** Already-rendered body markup. */
  body: Html;
  /** One trusted inline script (ours, never user text), allowed by its hash in the CSP. */
  script?: string;
}

/** The page shell shared by the report and the rubric preview: CSP first, inline CSS, no script. */
export function renderPage(opts: PageOptions): string {
  const css = readTemplate('report.css');
  if (/<\//.test(css)) throw new Error('report.css must not contain "</"');
  if (opts.script !== undefined && /<\/|<!--/.test(opts.script))
    throw new Error('an inline script must not contain "</" or "<!--"');
  const hb = Handlebars.create();
  const page = hb.compile(readTemplate('page.hbs'), { strict: true, knownHelpersOnly: false });
  return page({
    title: opts.title,
    csp: opts.script === undefined ? CSP : cspWithScript(opts.script),
    css: new hb.SafeString(css),
    body: new hb.SafeString(opts.body),
    script: opts.script === undefined ? '' : new hb.SafeString(opts.script),
  });
}

export { escapeHtml, trusted };
