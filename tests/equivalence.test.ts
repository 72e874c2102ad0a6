import { describe, expect, it } from 'vitest';
import type { Answer } from '../src/exam/schema.js';
import { parseInterval } from '../src/grading/equivalence/structured.js';
import { answersEqual } from '../src/grading/equivalence.js';
import { latexToMathjs } from '../src/grading/latex.js';
import { matchBrace, matchClosing, scanTopLevel, scanTopLevelBackward, splitTopLevel } from '../src/latex/brackets.js';

type Row = [
  kind: Answer['kind'],
  expected: Answer['value'],
  candidate: string,
  equal: boolean,
  extra?: Partial<Answer>,
];

// Each row: the expected answer (as an exam states it), a candidate's final answer, and whether they are equal.
const table: Row[] = [
  // numbers
  ['number', 6, '6', true],
  ['number', 6, '6.0', true],
  ['number', 6, 'x = 6', true],
  ['number', 6, '-6', false],
  ['number', -3, '−3', true],
  ['number', -3, '\\(-3\\)', true],
  ['number', 820, '820 \\text{ seats}', true],
  ['number', 90, '90 \\text{ €}', true],
  ['number', 90, '€90', true],
  ['number', 6138, '6\\,138', true],
  ['number', 6138, '6{,}138', true],
  ['number', 1234567, '1,234,567', true],
  ['number', 1234567, '1 234 567', true],
  ['number', 5.5, '5,5', true],
  ['number', 5.5, '\\frac{11}{2}', true],
  ['number', 5.5, '5.05', false],
  ['number', 0.125, '0,125', true],
  ['number', 25, '25\\%', true],
  ['number', '25%', '0.25', true],
  ['number', 0.25, '25%', true],
  ['number', 0.25, '2.5', false],
  ['number', 12, '12 cm^2', true],
  // Units with the power outside \\text{} (the exam's own reference writes 320.4\\ \\text{cm}^3), and ² ³.
  ['number', 24.2487, '24.25\\ \\text{m}^2', true, { tolerance: 0.05 }],
  ['number', 24.2487, '24.25 \\, \\mathrm{m}^2', true, { tolerance: 0.05 }],
  ['number', 24.2487, '\\approx 24.25 \\mathrm{~m}^2', true, { tolerance: 0.05 }],
  ['number', 24.2487, '24,25 m²', true, { tolerance: 0.05 }],
  ['number', 320.44, '320.4 \\text{ cm}^{3}', true, { tolerance: 0.1 }],
  ['number', 320.44, '102\\pi\\text{ cm}^3', true, { tolerance: 0.1 }],
  ['number', 320.44, '102\\pi \\text{ cm}^3 \\approx 320.4 \\text{ cm}^3', true, { tolerance: 0.1 }],
  ['number', 263.89, '84π cm²', true, { tolerance: 0.1 }],
  ['number', 12.5, '12.5 \\text{ units}^2', true],
  ['number', 588.06, '24.25\\ \\text{m}^2', false, { tolerance: 0.05 }],
  ['number', 7.0711, '5\\sqrt{2}', true, { tolerance: 0.01 }],
  ['number', 7.0711, '7.07', true, { tolerance: 0.01 }],
  ['number', 7.0711, '7.1', false, { tolerance: 0.01 }],
  ['number', 2.8284, '2\\sqrt{2} \\approx 2.83', true, { tolerance: 0.001 }],
  ['number', 120, '120^\\circ', true, { tolerance: 0.05 }],
  ['number', 6326.6, '6327', true, { tolerance: 1 }],
  ['number', 3, 'x = 3 \\text{ or } x = -7', false],
  // Both roots of Q8 with the extraneous one not rejected: a hedge, whichever order the roots come in.
  ['number', 3, 'x = -7 \\text{ or } x = 3', false],
  ['number', 3, 'x=-7 \\lor x=3', false],
  ['number', 3, 'x_1 = -7, x_2 = 3', false],
  ['number', 3, 'x = -7, x = 3', false],
  ['number', 3, 'x = 3 \\text{ or } x = 3', true],
  ['number', 7.0711, 'A(3, 3), B(-2, -2), AB = 5\\sqrt{2} \\approx 7.07', true, { tolerance: 0.01 }],
  ['number', 1, '0.9999', false],
  ['number', 1e-30, '10^{-30}', true],
  ['number', 1e-30, '10^{-31}', false],
  // fractions
  ['fraction', '1/3', '\\frac{1}{3}', true],
  ['fraction', '1/3', '\\dfrac{2}{6}', true],
  ['fraction', '1/3', '1/3', true],
  ['fraction', '1/3', '0.33', false],
  ['fraction', '1/3', '0.3333', false],
  ['fraction', '8/7', '\\frac87', true],
  ['fraction', '8/7', '\\frac{7}{8}', false],
  ['fraction', '19/66', 'P = \\frac{19}{66} \\approx 0.288', true],
  ['fraction', '-3/4', '-\\frac{3}{4}', true],
  ['fraction', '-3/4', '\\frac{-3}{4}', true],
  ['fraction', '-3/4', '\\frac{3}{4}', false],
  // expressions (and the traps)
  ['expression', '1-1/e', '1 - \\frac{1}{e}', true],
  ['expression', '1-1/e', '1 + \\frac{1}{e}', false],
  ['expression', '1-1/e', '\\frac{e-1}{e}', true],
  ['expression', '1/2004!', '\\frac{1}{2004!}', true],
  ['expression', '1/2004!', '\\frac{1}{2006!}', false],
  ['expression', '1/2004!', '\\frac{2005 \\cdot 2006}{2006!}', true],
  ['expression', '2x - 5', 'y = 2x - 5', true, { variables: ['x'] }],
  ['expression', '2x - 5', '2x + 5', false, { variables: ['x'] }],
  ['expression', '2x - 5', '-5 + 2 \\cdot x', true, { variables: ['x'] }],
  ['expression', '-(3/4)*x + 13/2', 'y = -\\frac{3}{4}x + \\frac{13}{2}', true, { variables: ['x'] }],
  ['expression', '-(3/4)*x + 13/2', 'y = -0.75x + 6.5', true, { variables: ['x'] }],
  ['expression', '-(3/4)*x + 13/2', 'y = -\\frac{4}{3}x + \\frac{13}{2}', false, { variables: ['x'] }],
  ['expression', '(x+1)^2', 'x^2 + 2x + 1', true],
  ['expression', '(x+1)^2', 'x^{2} + 1', false],
  ['expression', 'x^2 - 1', '(x-1)(x+1)', true],
  ['expression', '\\sqrt{x^2}', 'x', false],
  ['expression', '\\sqrt{x^2}', '|x|', true],
  ['expression', '\\sin^2 x + \\cos^2 x', '1', true],
  ['expression', '\\sin^2 x', '\\sin x^2', false],
  ['expression', '\\frac{\\sqrt{3}}{2}', '\\sin\\left(\\frac{\\pi}{3}\\right)', true],
  ['expression', '2\\pi r', '2 \\pi r', true],
  ['expression', 'e^{2x}', '(e^x)^2', true],
  ['expression', '\\ln(xy)', '\\ln x + \\ln y', true, { variables: ['x', 'y'] }],
  ['expression', 'x^3', 'x^2', false],
  ['expression', '(x+1)^2', 'x² + 2x + 1', true],
  ['expression', '\\frac{1}{1000000}', '10^{-6}', true],
  // sets
  ['set', [2, 4, 6], '\\{2, 4, 6\\}', true],
  ['set', [2, 4, 6], '\\{6, 2, 4\\}', true],
  ['set', [2, 4, 6], 'A \\cap B = \\left\\{2; 4; 6\\right\\}', true],
  ['set', [2, 4, 6], '\\{2, 4, 6, 8\\}', false],
  ['set', [2, 4, 6], '\\{2, 4\\}', false],
  ['set', [2, 4, 6], '\\{2, 4, 4, 6\\}', true],
  ['set', [-2, 4], 'x = -2 \\text{ or } x = 4', true],
  ['set', [-2, 4], 'x_1 = 4, x_2 = -2', true],
  ['set', [-2, 4], '\\{-2, -4\\}', false],
  ['set', [135, 225], '\\{135^\\circ, 225^\\circ\\}', true],
  ['set', [135, 225], '\\{45^\\circ, 135^\\circ, 225^\\circ\\}', false],
  ['set', [135, 225], 'x \\in \\{135^\\circ, 225^\\circ\\}', true],
  ['set', [-2, 4], 'x \\in \\{-2, 4\\}', true],
  ['set', [-2, 4], 'x \\in \\{-2, 3\\}', false],
  ['set', ['1/2', '\\sqrt{2}'], '\\{\\sqrt2, 0.5\\}', true],
  // intervals
  ['interval', '[-1, 3]', '[-1, 3]', true],
  ['interval', '[-1, 3]', 'x \\in \\left[-1; 3\\right]', true],
  ['interval', '[-1, 3]', '-1 \\le x \\le 3', true],
  ['interval', '[-1, 3]', '(-1, 3)', false],
  ['interval', '[-1, 3]', '[-1, 3)', false],
  ['interval', '[-1, 3]', '[-1, 4]', false],
  ['interval', '(-1, 5)', ']-1; 5[', true],
  ['interval', '(-1, 5)', '-1 < x < 5', true],
  ['interval', '(2, 3)', 'the point (2, 3)', false],
  ['interval', '(2, 3)', 'P(2, 3)', false],
  ['interval', '(2, 3)', '(2, 3)', true],
  ['interval', '[2, \\infty)', 'x \\ge 2', true],
  ['interval', '[2, \\infty)', '[2, \\infty[', true],
  ['interval', '[2, \\infty)', '(2, \\infty)', false],
  ['interval', '(-\\infty, 0)', 'x < 0', true],
  // A range is named by the function or its values: R_f, Range, f(x), y; or written as a set.
  ['interval', '[-9, 7]', 'R_f = [-9, 7]', true],
  ['interval', '[-9, 7]', '\\text{Range} = [-9, 7]', true],
  ['interval', '[-9, 7]', 'f(x) \\in [-9, 7]', true],
  ['interval', '[-9, 7]', '-9 \\leq f(x) \\leq 7', true],
  ['interval', '[-9, 7]', '\\{y \\mid -9 \\le y \\le 7\\}', true],
  ['interval', '(-1, 5)', '\\{x \\in \\mathbb{R} : -1 < x < 5\\}', true],
  ['interval', '[-9, 7]', 'R_f = [-9, 0]', false],
  ['interval', '[-9, 7]', '-9 \\leq f(x) < 7', false],
  ['interval', '(2, 3)', 'P = (2, 3)', false],
  // tuples (and the point-vs-interval trap the other way round)
  ['tuple', [2.5, 0], '(2.5, 0)', true],
  ['tuple', [2.5, 0], '(2{,}5; 0)', true],
  ['tuple', [2.5, 0], 'P\\left(\\frac{5}{2}, 0\\right)', true],
  ['tuple', [2.5, 0], '(0, 2.5)', false],
  ['tuple', [2, 3], '(2, 3)', true],
  ['tuple', [2, 3], 'x \\in (2, 3)', false],
  ['tuple', [2, 3], '2 < x < 3', false],
  ['tuple', [2, 3], '[2, 3]', false],
  ['tuple', [2, 3], '(2, 3, 4)', false],
  // choice letters
  ['choice', 'D', 'D', true],
  ['choice', 'D', '(D)', true],
  ['choice', 'D', '\\text{D}', true],
  ['choice', 'D', 'd', true],
  ['choice', 'D', 'Option D', true],
  ['choice', 'D', 'C', false],
  ['choice', 'D', 'C or D', false],
  // The letter with the option's text, as models often copy it.
  ['choice', 'D', 'D) 1 unit to the left and 3 units down', true],
  ['choice', 'D', '\\text{(D) 1 unit to the left and 3 units down}', true],
  ['choice', 'D', 'C) 1 unit to the left and 3 units down', false],
  ['choice', 'D', 'A) or D)', false],
  // text
  ['text', 'isosceles', 'Isosceles', true],
  ['text', 'isosceles', '\\text{isosceles}.', true],
  ['text', 'isosceles', 'equilateral', false],
  ['text', 'right angle', 'right  angle', true],
];

describe('answer equivalence table', () => {
  it('has at least 60 pairs, equal and unequal', () => {
    expect(table.length).toBeGreaterThanOrEqual(60);
    expect(table.filter((r) => r[3]).length).toBeGreaterThan(20);
    expect(table.filter((r) => !r[3]).length).toBeGreaterThan(20);
  });

  it.each(table)('%s %j vs %j → %s', (kind, value, candidate, equal, extra) => {
    const res = answersEqual(candidate, { kind, value, ...extra } as Answer);
    expect(res.equal).toBe(equal);
  });
});

describe('traps', () => {
  it('1-1/e and 1+1/e differ', () => {
    expect(answersEqual('1+1/e', { kind: 'expression', value: '1-1/e' }).equal).toBe(false);
    expect(answersEqual('1-e^{-1}', { kind: 'expression', value: '1-1/e' }).equal).toBe(true);
  });

  it('1/2004! and 1/2006! differ although both are 0 in floating point', () => {
    // In floats 1/2004! is 0, so a float comparison would take 0 for it: the exact one must not.
    expect(answersEqual('0', { kind: 'number', value: '1/2004!' })).toEqual({ equal: false });
    expect(answersEqual('\\frac{1}{2006!}', { kind: 'number', value: '1/2004!' }).equal).toBe(false);
    expect(answersEqual('\\frac{1}{2004!}', { kind: 'number', value: '1/2004!' }).equal).toBe(true);
  });

  it('an interval (2,3) and the point (2,3) differ', () => {
    expect(answersEqual('the point (2, 3)', { kind: 'interval', value: '(2,3)' }).equal).toBe(false);
    expect(answersEqual('2 < x < 3', { kind: 'tuple', value: [2, 3] }).equal).toBe(false);
    expect(answersEqual('x \\in (2, 3)', { kind: 'tuple', value: [2, 3] }).equal).toBe(false);
  });
});

describe('LaTeX to mathjs', () => {
  it.each([
    ['\\frac{1}{2}', '((1)/(2))'],
    ['\\sqrt[3]{x}', 'nthRoot(x, 3)'],
    ['x^{2}', 'x^(2)'],
    ['2 \\cdot 3', '2 * 3'],
    ['\\left(x+1\\right)', '(x+1)'],
    ['|x-1|', 'abs(x-1)'],
    // The root's index is a bracket group: a nested one does not end it early.
    ['\\sqrt[\\sqrt[3]{8}]{9}', 'nthRoot(9, nthRoot(8, 3))'],
    ['\\sin(x(1+x))', 'sin(x(1+x))'],
  ])('%s → %s', (latex, mathjs) => {
    expect(latexToMathjs(latex)).toBe(mathjs);
  });

  it('parses interval ends', () => {
    expect(parseInterval('[-1, 3)')).toEqual({ lo: '-1', hi: '3', loClosed: true, hiClosed: false });
    expect(parseInterval('the point (1, 2)')).toBeUndefined();
  });
});

describe('the bracket scanner', () => {
  it('matches a brace past escaped braces, and says -1 when unbalanced or not at an opener', () => {
    const t = '\\frac{a\\}}{b}';
    expect(matchBrace(t, 5)).toBe(t.indexOf('}{b'));
    expect(matchBrace('\\frac{a\\}{b}', 5)).toBe(-1);
    expect(matchBrace('{a{b}', 0)).toBe(-1);
    expect(matchBrace('a{b}', 0)).toBe(-1);
    expect(matchClosing('f((x)+1)*2', 1, { brackets: '(' })).toBe(7);
  });

  it('splits lists at the top level only; a stray closer leaves the rest nested', () => {
    expect(splitTopLevel('(1, 2), \\{3, 4\\}, f(5,6)')).toEqual(['(1, 2)', '\\{3, 4\\}', 'f(5,6)']);
    expect(splitTopLevel('2,5; 3')).toEqual(['2,5', '3']);
    expect(splitTopLevel('a), b, c')).toEqual(['a), b, c']);
  });

  it('skips $…$ and counts \\( \\) as brackets when asked, and ignores stray closers with clamp', () => {
    const s = 'see $a, b$ and \\(c, d\\)) , e';
    const reading = { brackets: '([{', backslash: 'brackets', dollars: true, clamp: true } as const;
    expect(scanTopLevel(s, (i) => s[i] === ',', reading)).toBe(s.lastIndexOf(','));
    expect(scanTopLevel(s, (i) => s[i] === ',', { ...reading, clamp: false })).toBe(-1);
  });

  it('reads backwards over closed groups to the opener that starts the current one', () => {
    const s = '\\(f(a, b) = ';
    expect(scanTopLevelBackward(s, (i) => s[i] === ',' || s[i] === '(', s.length - 1)).toBe(1);
  });
});
