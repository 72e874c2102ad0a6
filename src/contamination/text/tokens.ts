import { createRequire } from 'node:module';
import { janitorNormalize, latexNormalize, maskNumbers, NUM_TOKEN, pySplit } from './normalize.js';

/**
 * Word tokens under a named normalisation: what the word rules (gpt3-13gram, palm-8gram-70, the template match)
 * compare, and what the index is built from.
 */

export type TokenizerName = 'whitespace' | 'word';

/** A word normalisation: the janitor, plus optional modes. Its `id` keys the index cache. */
export interface WordNormalization {
  latex?: boolean;
  maskNumbers?: boolean;
  /** Porter stemming; applied only to texts detected (or declared) as English. */
  stem?: boolean;
  /** `whitespace` = the janitor's `str.split()` (default); `word` = natural's word tokenisers. */
  tokenizer?: TokenizerName;
}

export function normalizationId(n: WordNormalization): string {
  const parts = ['janitor'];
  if (n.latex) parts.push('latex');
  if (n.maskNumbers) parts.push('num');
  if (n.stem) parts.push('stem');
  if (n.tokenizer && n.tokenizer !== 'whitespace') parts.push(`tok-${n.tokenizer}`);
  return parts.join('+');
}

const require = createRequire(import.meta.url);
let porter: { stem(word: string): string } | undefined;
let wordTokenizer: { tokenize(text: string): string[] } | undefined;
let unicodeTokenizer: { tokenize(text: string): string[] } | undefined;

/** natural's Porter stemmer, loaded on first use (subpath import: the root is slow and prints to stdout). */
export function porterStem(word: string): string {
  porter ??= require('natural/lib/natural/stemmers/porter_stemmer.js') as { stem(word: string): string };
  return porter.stem(word);
}

/** natural's tokenisers: WordTokenizer (ASCII letters) for English, a Unicode RegexpTokenizer otherwise. */
export function naturalTokens(text: string, language?: string): string[] {
  if (language === 'en' || language === undefined) {
    if (!wordTokenizer) {
      const { WordTokenizer } = require('natural/lib/natural/tokenizers/regexp_tokenizer.js') as {
        WordTokenizer: new () => { tokenize(text: string): string[] };
      };
      wordTokenizer = new WordTokenizer();
    }
    // WordTokenizer drops non-ASCII letters; keep its split only when the text is ASCII.
    if (/^[\x00-\x7f]*$/.test(text)) return wordTokenizer.tokenize(text).filter((t) => t.length > 0);
  }
  if (!unicodeTokenizer) {
    const { RegexpTokenizer } = require('natural/lib/natural/tokenizers/regexp_tokenizer.js') as {
      RegexpTokenizer: new (opts: { pattern: RegExp }) => { tokenize(text: string): string[] };
    };
    unicodeTokenizer = new RegexpTokenizer({ pattern: /[^\p{L}\p{N}<>]+/u });
  }
  return unicodeTokenizer.tokenize(text).filter((t) => t.length > 0);
}

/**
 * Word tokens under a normalisation: [LaTeX clean-up] → janitor → split → [mask numbers] → [stem].
 * With no options this is exactly `janitorTokens`.
 */
export function wordTokens(text: string, n: WordNormalization = {}, language?: string): string[] {
  let s = n.latex ? latexNormalize(text) : text;
  s = janitorNormalize(s);
  let tokens: string[];
  if (n.tokenizer === 'word') {
    tokens = naturalTokens(s, language);
    if (n.maskNumbers) tokens = tokens.flatMap((t) => (/\p{Nd}/u.test(t) ? pySplit(maskNumbers(t)) : [t]));
  } else tokens = pySplit(n.maskNumbers ? maskNumbers(s) : s);
  if (n.stem && (language === undefined || language === 'en')) {
    tokens = tokens.map((t) => (t === NUM_TOKEN ? t : porterStem(t)));
  }
  return tokens;
}
