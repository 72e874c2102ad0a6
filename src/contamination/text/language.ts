import { detectLanguage } from '../../exam/language.js';
import type { BenchmarkSource } from '../bench/source.js';

/** The language of a checked text, and where it came from. */
export interface TextLanguage {
  language?: string;
  /** The exam (declared), detection on the prose (maths and code stripped), or neither. */
  from: 'declared' | 'detected' | 'unknown';
}

/**
 * A text's language: the declared one when it decides (exam items and answers to an exam), else detection, else
 * the declared one as a fallback for texts with too little prose to tell.
 */
export function textLanguage(t: { text: string; language?: string; languageDecides?: boolean }): TextLanguage {
  if (t.languageDecides && t.language) return { language: t.language, from: 'declared' };
  // tinyld costs time per character; a thousand characters of prose settle the language.
  const detected = detectLanguage(t.text.slice(0, 4000));
  if (detected) return { language: detected, from: 'detected' };
  return t.language ? { language: t.language, from: 'declared' } : { from: 'unknown' };
}

/** Majority language over an even sample of a benchmark's items; undefined if none can be told. */
export function sourceLanguage(source: BenchmarkSource, sample = 32): string | undefined {
  const counts = new Map<string, number>();
  const step = Math.max(1, Math.floor(source.items.length / sample));
  for (let i = 0; i < source.items.length; i += step) {
    const lang = detectLanguage(source.items[i].text.slice(0, 600));
    if (lang) counts.set(lang, (counts.get(lang) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestN = 0;
  for (const [l, c] of counts) if (c > bestN) [best, bestN] = [l, c];
  return best;
}
