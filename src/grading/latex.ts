import { type BracketReading, matchBrace, matchClosing } from '../latex/brackets.js';

/**
 * LaTeX (or plain ASCII maths) → mathjs syntax: `\frac{a}{b}` → `((a)/(b))`, `\sqrt[n]{x}` → `nthRoot(x, n)`,
 * `x^{2}` → `x^(2)`, `\cdot` → `*`, `\left(` → `(`, `|x|` → `abs(x)`, unicode operators, and so on.
 * Unknown commands lose their backslash (`\alpha` → `alpha`), which mathjs then treats as a symbol.
 */
export function latexToMathjs(input: string): string {
  let s = superscriptsToPowers(input)
    .normalize('NFKC')
    .replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g, '')
    .replace(/[−–—]/g, '-')
    .replace(/[·⋅×∙]/g, '*')
    .replace(/÷/g, '/')
    .replace(/π/g, ' pi ')
    .replace(/∞/g, ' Infinity ')
    .replace(/√/g, '\\sqrt')
    .replace(/≤|⩽/g, '<=')
    .replace(/≥|⩾/g, '>=')
    .replace(/≠/g, '!=')
    .replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree/g, '')
    .replace(/\\(?:left|right)\s*\./g, '')
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)(?![a-zA-Z])/g, '')
    .replace(/\\(?:displaystyle|textstyle|limits|mathstrut)(?![a-zA-Z])/g, '')
    .replace(/\\[,;:! ]|\\q?quad(?![a-zA-Z])|~/g, ' ')
    .replace(/\\%/g, '%');
  s = convert(s);
  return absBars(s).replace(/\s+/g, ' ').trim();
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** `x²` → `x^{2}`, `m³` → `m^{3}`, `10⁻³` → `10^{-3}`: NFKC would turn them into plain digits (x2, m3). */
export function superscriptsToPowers(s: string): string {
  return s.replace(
    /⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+/g,
    (m) => `^{${[...m].map((c) => (c === '⁻' ? '-' : SUPERSCRIPT.indexOf(c))).join('')}}`,
  );
}

const FUNCS = new Set([
  'sin',
  'cos',
  'tan',
  'cot',
  'sec',
  'csc',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'tanh',
  'exp',
  'max',
  'min',
  'gcd',
]);
const SYMBOLS: Record<string, string> = {
  cdot: '*',
  times: '*',
  ast: '*',
  div: '/',
  pi: ' pi ',
  infty: ' Infinity ',
  infin: ' Infinity ',
  le: '<=',
  leq: '<=',
  leqslant: '<=',
  ge: '>=',
  geq: '>=',
  geqslant: '>=',
  lt: '<',
  gt: '>',
  ne: '!=',
  neq: '!=',
  approx: '≈',
  pm: '±',
  in: ' ∈ ',
  cup: ' ∪ ',
  lbrace: '{',
  rbrace: '}',
  langle: '(',
  rangle: ')',
  lvert: '|',
  rvert: '|',
  vert: '|',
  mid: '|',
  to: '→',
  rightarrow: '→',
  Rightarrow: '⇒',
  implies: '⇒',
};

function convert(s: string): string {
  let out = '';
  let i = 0;
  const group = (): string => {
    while (s[i] === ' ') i++;
    if (s[i] === '{') {
      const close = matchBrace(s, i);
      const end = close < 0 ? s.length : close;
      const inner = s.slice(i + 1, end);
      i = end + 1;
      return convert(inner);
    }
    if (s[i] === '\\') {
      const m = /^\\([a-zA-Z]+|.)/.exec(s.slice(i));
      const tok = m ? m[0] : '\\';
      i += tok.length;
      return convert(tok);
    }
    const c = s[i] ?? '';
    i++;
    return c;
  };
  const rawGroup = (): string => {
    while (s[i] === ' ') i++;
    if (s[i] !== '{') return s[i++] ?? '';
    const close = matchBrace(s, i);
    const end = close < 0 ? s.length : close;
    const inner = s.slice(i + 1, end);
    i = end + 1;
    return inner;
  };
  /** `\\sin x`, `\\sin^2 x`, `\\ln(xy)`: mathjs needs parentheses around a function's argument. */
  const applyFn = (fn: string): string => {
    while (s[i] === ' ') i++;
    let power = '';
    if (s[i] === '^') {
      i++;
      power = group();
      while (s[i] === ' ') i++;
    }
    let arg: string;
    if (s[i] === '(') {
      const close = matchClosing(s, i, PARENS);
      arg = convert(s.slice(i + 1, close < 0 ? s.length : close));
      i = close < 0 ? s.length : close + 1;
    } else {
      // A bare argument: one atom (number, letter, command or group), with its own power (sin x^2 = sin(x^2)).
      const m = /^(?:\d+(?:\.\d+)?|[A-Za-z])/.exec(s.slice(i));
      if (m) {
        arg = m[0];
        i += m[0].length;
      } else arg = group();
      while (s[i] === ' ') i++;
      if (s[i] === '^') {
        i++;
        arg = `${arg}^(${group()})`;
      }
    }
    return power ? `(${fn}(${arg}))^(${power})` : `${fn}(${arg})`;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') {
      const m = /^\\([a-zA-Z]+|.)/.exec(s.slice(i));
      if (!m) {
        i++;
        continue;
      }
      const name = m[1];
      i += m[0].length;
      if (name === 'frac' || name === 'dfrac' || name === 'tfrac' || name === 'cfrac') {
        const a = group();
        const b = group();
        out += `((${a})/(${b}))`;
      } else if (name === 'sqrt') {
        let n: string | undefined;
        while (s[i] === ' ') i++;
        if (s[i] === '[') {
          const close = matchClosing(s, i, { brackets: '[' });
          n = convert(s.slice(i + 1, close < 0 ? s.length : close));
          i = close < 0 ? s.length : close + 1;
        }
        const a = group();
        out += n ? ` nthRoot(${a}, ${n})` : ` sqrt(${a})`;
      } else if (name === 'binom' || name === 'dbinom' || name === 'tbinom') {
        const a = group();
        const b = group();
        out += ` combinations(${a}, ${b})`;
      } else if (name === 'log' || name === 'ln' || name === 'lg' || FUNCS.has(name)) {
        let fn = name === 'ln' ? 'log' : name === 'lg' ? 'log10' : name;
        let pre = '';
        while (s[i] === ' ') i++;
        if (name === 'log' && s[i] === '_') {
          i++;
          const base = group();
          pre = `(1/log(${base}))*`;
          fn = 'log';
        } else if (name === 'log') fn = 'log10';
        out += ` ${pre}${applyFn(fn)}`;
      } else if (
        name === 'text' ||
        name === 'textrm' ||
        name === 'textit' ||
        name === 'textbf' ||
        name === 'mathrm' ||
        name === 'mathit' ||
        name === 'mathbf' ||
        name === 'mbox' ||
        name === 'operatorname' ||
        name === 'mathbb' ||
        name === 'boldsymbol'
      ) {
        out += ` ${convert(rawGroup())} `;
      } else if (name === '{' || name === '}') {
        out += name;
      } else if (name in SYMBOLS) {
        out += SYMBOLS[name];
      } else if (/^[a-zA-Z]+$/.test(name)) {
        out += ` ${name} `;
      } else out += name;
    } else if (c === '{') {
      const close = matchBrace(s, i);
      const end = close < 0 ? s.length : close;
      out += `(${convert(s.slice(i + 1, end))})`;
      i = end + 1;
    } else if (c === '}') {
      i++;
    } else if (c === '^') {
      i++;
      out += `^(${group()})`;
    } else if (c === '_') {
      i++;
      const sub = group().replace(/[^A-Za-z0-9]/g, '');
      // Subscripts become part of the name (x_1, a_n); mathjs accepts underscores in symbols.
      if (sub && /[A-Za-z0-9]$/.test(out)) out += `_${sub}`;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A function's argument in parentheses: by now only `{…}` groups are LaTeX, so a backslash escapes nothing. */
const PARENS: BracketReading = { brackets: '(', backslash: 'plain' };

/** `|x|` → `abs(x)`: a bar opens after an operator, bracket or start, and closes otherwise. */
function absBars(s: string): string {
  if (!s.includes('|')) return s;
  let out = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '|') {
      out += s[i];
      continue;
    }
    const prev = out.trimEnd().slice(-1);
    const opens = depth === 0 || prev === '' || /[-+*/^(,=<>]/.test(prev);
    if (opens) {
      out += 'abs(';
      depth++;
    } else {
      out += ')';
      depth--;
    }
  }
  return out + ')'.repeat(Math.max(0, depth));
}
