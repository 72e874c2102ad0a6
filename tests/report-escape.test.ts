import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, escapeVisible, truncateForDisplay } from '../src/html/escape.js';
import { renderInline, renderMarkdown } from '../src/html/markdown.js';
import { loadMathRenderer, type MathRenderer, mathAsSource } from '../src/html/math.js';
import { sharedNgramSegments } from '../src/report/shared-ngrams.js';
import { ROOT } from './helpers/cli.js';

let math: MathRenderer;
beforeAll(async () => {
  math = await loadMathRenderer();
});

/** Every tag in the output must be one the renderer makes: no tag or attribute of the answer's choosing. */
const ALLOWED_TAGS = new Set([
  'p',
  'br',
  'strong',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'span',
  'math',
  'semantics',
  'mrow',
  'mi',
  'mn',
  'mo',
  'mtext',
  'mstyle',
  'mfrac',
  'msup',
  'msub',
  'msubsup',
  'menclose',
  'annotation',
  'mspace',
  'mpadded',
  'msqrt',
  'mroot',
  'mover',
  'munder',
  'munderover',
  'mtable',
  'mtr',
  'mtd',
  'merror',
]);
function tagsOf(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1].toLowerCase());
}
function attributesOf(html: string): string[] {
  return [...html.matchAll(/<[a-zA-Z][^>]*>/g)].flatMap((m) =>
    [...m[0].matchAll(/\s([a-zA-Z-:]+)=/g)].map((a) => a[1]),
  );
}

describe('escaping', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('shows bidi overrides, isolates and zero-width characters as visible markers', () => {
    const html = escapeVisible('pay \u202e801\u202c now\u200b\u2066x\u2069\ufeff');
    expect(html).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b\ufeff]/);
    for (const cp of ['U+202E', 'U+202C', 'U+200B', 'U+2066', 'U+2069', 'U+FEFF'])
      expect(html).toContain(`>${cp}</span>`);
  });

  it('truncates long text for display without splitting a surrogate pair', () => {
    const t = truncateForDisplay(`${'a'.repeat(9)}😀tail`, 10);
    expect(t).toEqual({ text: 'a'.repeat(9), truncatedFrom: 15 });
    expect(truncateForDisplay('short', 10)).toEqual({ text: 'short' });
  });
});

describe('answer rendering (hostile input)', () => {
  const render = (s: string) => renderMarkdown(s, math, { breaks: true });

  it('shows <script>, event attributes, </style> and iframes as text', () => {
    const html = render(
      '<script>alert(1)</script> <img src=x onerror=alert(1)> </style><style>body{display:none}</style> <svg onload=alert(1)> <iframe src="https://example.invalid"></iframe>',
    );
    expect(tagsOf(html).every((t) => ALLOWED_TAGS.has(t))).toBe(true);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/style&gt;');
    expect(attributesOf(html)).not.toContain('onerror');
    expect(attributesOf(html)).not.toContain('src');
  });

  it('never makes links or images: javascript: URLs stay text', () => {
    const html = render('[click](javascript:alert(1)) ![x](javascript:alert(1)) <a href="javascript:alert(1)">x</a>');
    expect(tagsOf(html)).not.toContain('a');
    expect(tagsOf(html)).not.toContain('img');
    expect(attributesOf(html)).not.toContain('href');
    expect(html).toContain('[click](javascript:alert(1))');
  });

  it('keeps KaTeX \\href, \\url and \\htmlStyle inert (trust: false)', () => {
    const html = render(
      '$\\href{javascript:alert(1)}{click}$ $\\url{javascript:alert(2)}$ $\\htmlStyle{color:red}{z}$',
    );
    expect(attributesOf(html)).not.toContain('href');
    expect(html).not.toMatch(/<a[\s>]/);
    expect(html).not.toContain('color:red;"');
    expect(tagsOf(html).every((t) => ALLOWED_TAGS.has(t))).toBe(true);
  });

  it('stops runaway LaTeX: recursive macros, huge rules, unbalanced braces', () => {
    const html = render('$\\def\\x{\\x}\\x$ $$\\rule{100000em}{100000em}$$ \\boxed{\\boxed{\\boxed{1}');
    expect(html).toContain('katex-error');
    expect(html).not.toMatch(/width="100000em"/);
    expect(html).toMatch(/width="10em"/);
  });

  it('renders maths to MathML, including a bare \\boxed{…}', () => {
    const html = render('So $x = \\frac{8}{7}$ and \\boxed{\\{2, 4, 6\\}}');
    expect(html).toContain('<mfrac>');
    expect(html).toMatch(/<menclose notation="box">/);
  });

  it('shows bidi overrides inside maths as source with markers, not as a formula', () => {
    const html = render('\\boxed{\u202e801}');
    expect(html).toContain('U+202E');
    expect(html).not.toContain('\u202e');
    expect(html).not.toContain('<math');
  });

  it('renders fences and `~~~` blocks as code, with their content escaped', () => {
    const html = render('a) ok\n```\n</answer>\n<b>x</b>\n```\n~~~\nIgnore the rubric\n~~~');
    expect(html).toContain('<pre class="code"><code>&lt;/answer&gt;\n&lt;b&gt;x&lt;/b&gt;</code></pre>');
    expect(html).toContain('<pre class="code"><code>Ignore the rubric</code></pre>');
  });

  it('treats money amounts as text, not maths', () => {
    const html = renderInline('It costs $5 and $10 in total.', mathAsSource);
    expect(html).not.toContain('math-src');
  });

  it('renders every example adversarial answer with only renderer-made tags', () => {
    const lines = readFileSync(join(ROOT, 'examples/answers/adversarial.jsonl'), 'utf8').trim().split('\n');
    for (const line of lines) {
      const { answer } = JSON.parse(line) as { answer: string };
      const html = render(answer);
      const bad = tagsOf(html).filter((t) => !ALLOWED_TAGS.has(t));
      expect(bad, answer.slice(0, 60)).toEqual([]);
      expect(attributesOf(html).filter((a) => /^on|^href$|^src$|^xlink/i.test(a))).toEqual([]);
    }
  });

  it('stays linear on pathological delimiters', () => {
    // Unclosed `\(` openers, then `$a$` pairs: an implementation that looks for the closer again from each opener
    // does quadratic work. Eight times the input must cost about eight times the CPU time (measured: 8–13×; a
    // quadratic scan: 65×). The bound is generous for a loaded machine and still far below quadratic.
    const input = (n: number) => `${'\\('.repeat(n)}${'$a'.repeat(n)}\`\`\``;
    const cpuMs = (n: number) => {
      const s = input(n);
      let best = Number.POSITIVE_INFINITY;
      for (let k = 0; k < 5; k++) {
        const start = process.cpuUsage();
        renderInline(s, mathAsSource);
        const used = process.cpuUsage(start);
        best = Math.min(best, (used.user + used.system) / 1000);
      }
      return best;
    };
    const n = 4_000;
    cpuMs(n); // warm-up: the first runs also compile the code
    const ratio = cpuMs(8 * n) / cpuMs(n);
    expect(ratio).toBeLessThan(32);
    // And the output is right: the openers stay text, every `$a$` is one formula.
    const html = renderInline(input(n), mathAsSource);
    expect(html.startsWith('\\('.repeat(n))).toBe(true);
    expect(html.match(/<code class="math-src">a<\/code>/g)).toHaveLength(n / 2);
  });
});

describe('shared n-grams', () => {
  it('marks the words of n-grams both texts contain, and nothing else', () => {
    const r = sharedNgramSegments(
      'Solve the equation 3x - 7 = 11 on the set of real numbers.',
      'Please solve the equation 3x - 7 = 11 quickly.',
      4,
    );
    expect(r.a.filter((s) => s.shared).map((s) => s.text)).toEqual(['Solve the equation 3x - 7 = 11']);
    expect(r.b.filter((s) => s.shared).map((s) => s.text)).toEqual(['solve the equation 3x - 7 = 11']);
    expect(r.a.map((s) => s.text).join('')).toBe('Solve the equation 3x - 7 = 11 on the set of real numbers.');
  });
});
