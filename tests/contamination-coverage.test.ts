import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBenchmarkSource } from '../src/contamination/bench/load.js';
import { coverage, reasonKind } from '../src/contamination/coverage.js';
import { checkContamination } from '../src/contamination/run-check.js';
import { detectLanguage, proseOnly } from '../src/exam/language.js';
import { ROOT } from './helpers/cli.js';

const TOY = join(ROOT, 'tests/fixtures/contamination/toy');

// Our own writing: an English answer in the style of a model that writes mostly LaTeX.
const LATEX_ANSWER = String.raw`Let \(x\) be the number of goats and \(y\) the number of chickens. Then
\[ \begin{cases} x + y = 40 \\ 4x + 2y = 112 \end{cases} \]
Subtracting twice the first equation: \(2x = 32\), so \(x = 16\) and \(y = 24\).
$$\text{goats} = \frac{112 - 2 \cdot 40}{2} = 16$$
\begin{align*} 4 \cdot 16 + 2 \cdot 24 &= 64 + 48 = 112 \end{align*}
Therefore the farmer keeps \(\boxed{16}\) goats in the pen.`;

describe('language of a text: prose only, and the exam decides for answers to it', () => {
  it('strips maths in \\( \\), \\[ \\], environments and code, keeping the prose', () => {
    const prose = proseOnly(LATEX_ANSWER);
    expect(prose).not.toMatch(/cases|align|frac|boxed/);
    expect(prose).toMatch(/Let be the number of goats/);
    expect(proseOnly('Run `print(x)` then\n```python\nfor i in range(3):\n    pass\n```\ndone')).toBe('Run then done');
  });

  it('an English answer full of LaTeX is compared, not dropped as another language', async () => {
    const toy = await loadBenchmarkSource(TOY, { itemCacheDir: false, packDir: false });
    const subject = { kind: 'exam' as const, id: 'x', dir: 'x' };
    const answer = { id: 'a1', text: LATEX_ANSWER, language: 'en', languageDecides: true };
    const res = checkContamination({ subject, items: [], answers: [answer] }, [toy], { cache: false });
    const a = res.answers![0];
    expect(a.language).toBe('en');
    expect(a.languageFrom).toBe('declared');
    expect(a.reasons['gpt4-50char'] ?? '').not.toMatch(/language/);
    expect(a.verdicts['gpt4-50char']).not.toBe('not-comparable');
    // Detection alone, on the prose left after stripping, agrees.
    expect(detectLanguage(LATEX_ANSWER)).toBe('en');
  });
});

describe('coverage: what each rule compared', () => {
  it('counts compared and not comparable per rule, with reason kinds, and texts no rule compared', () => {
    const c = coverage(
      [
        { verdicts: { a: 'clean', b: 'not-comparable' }, reasons: { b: 'shorter than n (5 < 13 words)' } },
        { verdicts: { a: 'contaminated', b: 'clean' } },
        {
          verdicts: { a: 'not-comparable', b: 'not-comparable' },
          reasons: { a: 'empty', b: 'shorter than 25 characters (3); language gsm8k: fr vs en' },
        },
      ],
      ['a', 'b'],
    );
    expect(c.rules[0]).toMatchObject({ rule: 'a', compared: 2, contaminated: 1, notComparable: 1 });
    expect(c.rules[1].reasons).toEqual([
      { reason: 'shorter than n words', count: 1 },
      { reason: 'too few letters and digits', count: 1 },
      { reason: 'other language than the benchmark', count: 1 },
    ]);
    expect(c.comparedByNoRule).toBe(1);
    expect(c.cleanCompared).toBe(1);
    expect(c.contaminated).toBe(1);
    expect(reasonKind('no benchmark')).toBe('no benchmark to compare with');
  });
});
