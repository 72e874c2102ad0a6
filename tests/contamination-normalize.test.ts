import { describe, expect, it } from 'vitest';
import { janitorTokensFast } from '../src/contamination/text/janitor-tokens.js';
import {
  gpt4Chars,
  JANITOR_PUNCTUATION,
  janitorNormalize,
  janitorTokens,
  latexNormalize,
  maskNumbers,
  pySplit,
} from '../src/contamination/text/normalize.js';
import { normalizationId, wordTokens } from '../src/contamination/text/tokens.js';
import { LONE_SURROGATES, TRICKY_PIECES } from './helpers/tricky-text.js';

// Expected values were produced with CPython: s.translate(str.maketrans(ascii_lowercase + ascii_uppercase,
// ascii_lowercase * 2, string.punctuation)) and str.split().
describe('janitor normalisation (lm-evaluation-harness)', () => {
  it('lowercases only A–Z and deletes exactly the 32 ASCII punctuation characters', () => {
    expect(JANITOR_PUNCTUATION).toHaveLength(32);
    expect(janitorNormalize('Hello, World! ÉLAN Ünnep—“quoted” (x+y)^2 = 3.5')).toBe(
      'hello world Élan Ünnep—“quoted” xy2  35',
    );
    expect(janitorNormalize(JANITOR_PUNCTUATION)).toBe('');
    // Non-ASCII punctuation and letters stay.
    expect(janitorNormalize('¿Qué? «Ő» ÁÉ')).toBe('¿qué «Ő» ÁÉ');
  });

  it('splits like Python str.split(): Unicode spaces and U+001C–U+001F, but not U+200B or U+FEFF', () => {
    expect(pySplit('a\u00a0b\u2003c\x1cd\u200be\ufefff\x85g\u3000h')).toEqual([
      'a',
      'b',
      'c',
      'd\u200be\ufefff',
      'g',
      'h',
    ]);
    expect(pySplit('  \n\t ')).toEqual([]);
    expect(janitorTokens('Hello, World! ÉLAN Ünnep—“quoted” (x+y)^2 = 3.5')).toEqual([
      'hello',
      'world',
      'Élan',
      'Ünnep—“quoted”',
      'xy2',
      '35',
    ]);
  });

  it('janitorTokens is idempotent on normalised text', () => {
    const s = 'The Quick, Brown fox; jumps!';
    expect(janitorTokens(janitorNormalize(s))).toEqual(janitorTokens(s));
  });
});

describe('gpt4-50char processing', () => {
  it('keeps letters (any script) and digits only, and keeps case', () => {
    expect(gpt4Chars('Határozza meg: x = 3,5 cm!')).toBe('Határozzamegx35cm');
    expect(gpt4Chars(' \t$\\{}')).toBe('');
  });
});

describe('LaTeX-aware mode', () => {
  it('makes $\\frac{1}{2}$ and \\dfrac12 meet', () => {
    const a = janitorTokens(latexNormalize('Compute $\\frac{1}{2}$ of it'));
    const b = janitorTokens(latexNormalize('Compute \\dfrac12 of it'));
    const c = janitorTokens(latexNormalize('Compute \\tfrac{1}2 of it'));
    expect(a).toEqual(b);
    expect(a).toEqual(c);
    // Without the LaTeX mode they differ.
    expect(janitorTokens('Compute $\\frac{1}{2}$ of it')).not.toEqual(janitorTokens('Compute \\dfrac12 of it'));
  });

  it('strips \\left/\\right, spacing and \\text{}', () => {
    const a = janitorTokens(latexNormalize('$\\left( x \\right)\\,\\text{cm}\\quad y$'));
    const b = janitorTokens(latexNormalize('(x) cm y'));
    expect(a).toEqual(b);
    expect(latexNormalize('\\frac{\\dfrac{a}{b}}{c}')).toBe('\\frac{\\frac{a}{b}}{c}');
    // \fracture is not \frac.
    expect(latexNormalize('\\fracture')).toBe('\\fracture');
  });
});

describe('number-masked mode', () => {
  it('replaces every number with <num>, after the janitor', () => {
    expect(maskNumbers(janitorNormalize('Pay $3.50 for 12 apples and x2'))).toBe(
      'pay  <num>  for  <num>  apples and x <num> ',
    );
    const a = wordTokens('Janet has 16 ducks and sells 3 eggs for $2.', { maskNumbers: true });
    const b = wordTokens('Janet has 21 ducks and sells 7 eggs for $5.', { maskNumbers: true });
    expect(a).toEqual(b);
    expect(a).toContain('<num>');
  });
});

describe('wordTokens', () => {
  it('with no options equals janitorTokens', () => {
    const s = 'What is 2+2? Answer: “four”.';
    expect(wordTokens(s)).toEqual(janitorTokens(s));
    expect(normalizationId({})).toBe('janitor');
    expect(normalizationId({ latex: true, maskNumbers: true })).toBe('janitor+latex+num');
  });

  it('stems English words with Porter when asked, and leaves other languages alone', () => {
    expect(wordTokens('running dogs jumped', { stem: true }, 'en')).toEqual(['run', 'dog', 'jump']);
    expect(wordTokens('running dogs', { stem: true }, 'hu')).toEqual(['running', 'dogs']);
  });

  it("uses natural's tokenisers in word mode, keeping non-ASCII words whole", () => {
    expect(wordTokens('don’t stop—now', { tokenizer: 'word' }, 'en')).toEqual(['don', 't', 'stop', 'now']);
    expect(wordTokens('Határozza meg', { tokenizer: 'word' }, 'hu')).toEqual(['határozza', 'meg']);
  });
});

describe('latexNormalize reads braces with the one LaTeX scanner (latex/brackets.ts)', () => {
  it('an escaped brace inside a \\frac argument neither opens nor closes it', () => {
    // The old depth counter closed the first argument at `\}` and wrote "\frac{x\}{}}{2}".
    expect(latexNormalize('\\dfrac{x\\}}{2}')).toBe('\\frac{x\\}}{2}');
    expect(latexNormalize('\\dfrac12')).toBe('\\frac{1}{2}');
  });
});

describe('janitorTokensFast', () => {
  it('splits every string exactly as the reference janitorTokens does (seeded random text)', () => {
    const pieces = [...TRICKY_PIECES, ...LONE_SURROGATES, 'Ünïcode', '!!!', '(A)', 'x.Y.z', '\r\n'];
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return (seed >>> 8) / (1 << 24);
    };
    let tokens = 0;
    for (let round = 0; round < 2000; round++) {
      let text = '';
      const len = Math.floor(rand() * 60);
      for (let i = 0; i < len; i++) {
        text +=
          rand() < 0.9 ? pieces[Math.floor(rand() * pieces.length)] : String.fromCharCode(Math.floor(rand() * 0x10000));
      }
      const expected = janitorTokens(text);
      expect(janitorTokensFast(text)).toEqual(expected);
      tokens += expected.length;
    }
    expect(tokens).toBeGreaterThan(10_000);
    // A token longer than the scratch buffer, and one that is only punctuation.
    const long = `${'Ab,'.repeat(5000)} ?!`;
    expect(janitorTokensFast(long)).toEqual(janitorTokens(long));
  });
});
