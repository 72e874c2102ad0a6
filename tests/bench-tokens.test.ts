import { describe, expect, it } from 'vitest';
import { loadPackSource, PACK_BENCHMARKS } from '../src/contamination/bench/pack.js';
import { appendTokenHashes, codeUnitHash2, gpt4CharCodes } from '../src/contamination/bench/token-hashes.js';
import { stringHash2 } from '../src/contamination/hash.js';
import { gpt4Chars } from '../src/contamination/text/normalize.js';
import { type WordNormalization, wordTokens } from '../src/contamination/text/tokens.js';

// The index-building loops must hash exactly what the reference normalisation gives, or the index and the
// queries (which use the reference) would disagree and matches would be missed.

const NORMS: WordNormalization[] = [{}, { latex: true }, { maskNumbers: true }, { latex: true, maskNumbers: true }];

function fastHashes(text: string, norm: WordNormalization): number[] {
  // A small start, so that growing the columns is exercised too.
  const out = { h1: new Uint32Array(1), h2: new Uint32Array(1), length: 0 };
  appendTokenHashes(text, norm, out);
  return Array.from(out.h1.subarray(0, out.length)).flatMap((a, i) => [a, out.h2[i]]);
}

function referenceHashes(text: string, norm: WordNormalization): number[] {
  return wordTokens(text, norm).flatMap((t) => stringHash2(t));
}

function fastCharGrams(text: string): number[] {
  const { codes, length } = gpt4CharCodes(text);
  const out: number[] = [];
  for (let p = 0; p + 25 <= length; p += 25) out.push(...codeUnitHash2(codes, p, p + 25));
  return out;
}

function referenceCharGrams(text: string): number[] {
  const s = gpt4Chars(text);
  const out: number[] = [];
  for (let p = 0; p + 25 <= s.length; p += 25) out.push(...stringHash2(s, p, p + 25));
  return out;
}

const TRICKY = [
  'Plain words, with PUNCTUATION! and "quotes" (parens) -- dashes_and_underscores.',
  'Numbers: 1,000.50 and 3.14159; x=42, y = -7; 2nd 3rd 10th; a1b2c3',
  'Unicode spaces:\u00a0nbsp\u2003em\u3000ideographic\u2028line\u0085next\u200bzero-width\ufeffbom',
  'ASCII separators\x1cfile\x1dgroup\x1erecord\x1funit\x00nul\x7fdel\ttab\vvt\fff\rcr\nlf',
  'Accents stay: ÉCOLE École naïve façade ÀÉÎÕÜ ß ǅ; Greek ΑΒΓ αβγ; Cyrillic Привет',
  'Other digits: ٣٤٥ (Arabic-Indic), ४२ (Devanagari), 𝟙𝟚𝟛 (math bold digits), ① (circled), ½ ²',
  'Astral letters 𝑥𝑦𝑧 and emoji 😀👍🏽 and a lone \ud800 high and \udc00 low surrogate',
  'LaTeX: $\\frac{1}{2}$ vs \\dfrac12 vs \\tfrac{a}{b}, \\left( x \\right), \\text{if } x~y, $$\\sqrt{2}$$',
  '\\begin{align} a &= b \\\\ c &= \\mathrm{d} \\end{align} \\quad\\qquad\\,\\; spaced',
  'A literal <num> token, a <tag>, and digits glued to words: abc123def 4x4 x^2 10^{-3}',
  '',
  '   ',
  '!!!',
  '123',
];

describe('index-building fast paths equal the reference normalisation', () => {
  it('word token hashes, on tricky texts, under every normalisation they cover', () => {
    for (const text of TRICKY) {
      for (const norm of NORMS)
        expect(fastHashes(text, norm), `${JSON.stringify(text)} ${JSON.stringify(norm)}`).toEqual(
          referenceHashes(text, norm),
        );
      expect(fastCharGrams(text), JSON.stringify(text)).toEqual(referenceCharGrams(text));
    }
  });

  it('on every question and solution of the shipped pack', { timeout: 120_000 }, () => {
    let texts = 0;
    for (const name of PACK_BENCHMARKS) {
      const { items } = loadPackSource(name, { itemCacheDir: false });
      for (const it of items) {
        for (const text of [it.text, it.solution ?? '']) {
          texts++;
          for (const norm of [NORMS[0], NORMS[3]]) {
            const fast = fastHashes(text, norm);
            if (fast.join() !== referenceHashes(text, norm).join()) {
              expect(fast, `${it.id} ${JSON.stringify(norm)}`).toEqual(referenceHashes(text, norm));
            }
          }
          if (fastCharGrams(text).join() !== referenceCharGrams(text).join()) {
            expect(fastCharGrams(text), it.id).toEqual(referenceCharGrams(text));
          }
        }
      }
    }
    expect(texts).toBe(2 * (1319 + 5000 + 14042 + 164));
  });
});
