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

/** ISO 639-1 code, or undefined when there is too little prose to tell. */
export function detectLanguage(text: string): string | undefined {
  const prose = proseOnly(text);
  if (prose.replace(/\s/g, '').length < MIN_LETTERS) return undefined;
  return detect(prose) || undefined;
}
