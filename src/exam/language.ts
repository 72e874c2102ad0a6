import { detect } from 'tinyld/light';

/** Drops LaTeX, numbers and punctuation: tinyld guesses nonsense (`fr`, `tlh`) on maths. */
export function proseOnly(text: string): string {
  return text
    .replace(/\$\$[\s\S]*?\$\$/g, ' ')
    .replace(/\$[^$]*\$/g, ' ')
    .replace(/\\\(|\\\)|\\\[|\\\]/g, ' ')
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
