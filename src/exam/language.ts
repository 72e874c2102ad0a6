import { detect } from 'tinyld/light';

/**
 * Drops maths, code, numbers and punctuation: tinyld guesses nonsense (`fr`, `pt`, `tlh`) on maths, and an English
 * answer full of LaTeX was read as French. Maths in `$…$`, `$$…$$`, `\(…\)`, `\[…\]` and environments goes whole,
 * as do fenced and inline code.
 */
export function proseOnly(text: string): string {
  return text
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/\$\$[\s\S]*?\$\$/g, ' ')
    .replace(/\$[^$]*\$/g, ' ')
    .replace(/\\\([\s\S]*?\\\)/g, ' ')
    .replace(/\\\[[\s\S]*?\\\]/g, ' ')
    .replace(/\\begin\{([a-zA-Z*]+)\}[\s\S]*?\\end\{\1\}/g, ' ')
    .replace(/\\(text|textbf|textit|emph|mathrm)\{([^{}]*)\}/g, ' $2 ')
    .replace(/\\[a-zA-Z]+/g, ' ')
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Letters needed before a guess means anything. */
export const MIN_LETTERS = 20;

/**
 * Characters of text language detection reads. tinyld's cost grows faster than the text (a 5 MB question took
 * 24 s to lint), and a few thousand letters decide a language as well as millions do.
 */
export const DETECT_SAMPLE_CHARS = 20_000;

/**
 * A bounded sample of several texts for language detection: the start of each (at most its fair share of the
 * budget), so one huge text neither dominates nor costs more than the budget.
 */
export function languageSample(texts: string[], budget = DETECT_SAMPLE_CHARS): string {
  const share = Math.max(500, Math.floor(budget / Math.max(1, texts.length)));
  let out = '';
  for (const t of texts) {
    if (out.length >= budget) break;
    out += `${t.slice(0, share)}\n`;
  }
  return out;
}

/** ISO 639-1 code, or undefined when there is too little prose to tell. Reads at most DETECT_SAMPLE_CHARS. */
export function detectLanguage(text: string): string | undefined {
  const prose = proseOnly(text.length > DETECT_SAMPLE_CHARS ? text.slice(0, DETECT_SAMPLE_CHARS) : text);
  if (prose.replace(/\s/g, '').length < MIN_LETTERS) return undefined;
  return detect(prose) || undefined;
}
