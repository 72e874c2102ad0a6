/**
 * Number and expression bombs a model (or an attacker) may give as a final answer. Each must be compared within the
 * answer budget: decided, or `undetermined` with the reason, quickly (bench/answer-budget.bench.js times them).
 * `undetermined: true` marks the ones over the budget; the others are decided (they are not the key).
 */

const six = { kind: 'number', value: 6 };

/** @type {import("./bombs").Bomb[]} */
export const BOMBS = [
  { name: 'factorial of 10^9', answer: '(10^{9})!', key: six, undetermined: true, reason: /factorial/ },
  { name: 'factorial of ten million', answer: '10000000!', key: six, undetermined: true, reason: /factorial/ },
  {
    name: 'factorial in an expression',
    answer: '(10^{9})! + x',
    key: { kind: 'expression', value: 'x' },
    undetermined: true,
    reason: /factorial/,
  },
  { name: 'nested factorials', answer: '3!!!!', key: six, undetermined: true, reason: /factorial/ },
  {
    name: 'factorial of a million, factorial again',
    answer: '((10^6)!)!',
    key: six,
    undetermined: true,
    reason: /factorial/,
  },
  { name: 'gamma of 10^9', answer: 'gamma(10^9)', key: six, undetermined: true, reason: /factorial/ },
  {
    name: 'binomial of 10^12',
    answer: '\\binom{10^{12}}{5 \\cdot 10^{11}}',
    key: six,
    undetermined: true,
    reason: /binomial/,
  },
  { name: 'power tower 10^10^10^10', answer: '10^{10^{10^{10}}}', key: six, undetermined: true, reason: /too large/ },
  { name: 'power tower of twos', answer: '2^{2^{2^{2^{2^{2}}}}}', key: six, undetermined: true, reason: /too large/ },
  { name: 'power tower of e', answer: 'e^{e^{e^{e^{e^{10}}}}}', key: six, undetermined: true, reason: /too large/ },
  { name: '9^9^9 (large but finite)', answer: '9^{9^{9}}', key: six, undetermined: false },
  { name: '2^199999 exactly', answer: '2^{199999}', key: six, undetermined: false },
  {
    name: 'a quotient of huge coprime powers',
    answer: '\\frac{2^{100000}+1}{3^{60000}+7}',
    key: six,
    undetermined: false,
  },
  { name: 'a literal 1e999999999', answer: '1e999999999', key: six, undetermined: false },
  { name: 'a 4,900-digit literal', answer: '9'.repeat(4900), key: six, undetermined: false },
  { name: 'the 1,000,000th root', answer: '\\sqrt[10^{9}]{2}', key: { kind: 'number', value: 1 }, undetermined: false },
  {
    name: 'a tower in x',
    answer: 'x^{x^{x^{x^{x^{x^{x}}}}}}',
    key: { kind: 'expression', value: 'x' },
    undetermined: false,
  },
  {
    name: 'nested radicals (300 deep)',
    answer: `${'\\sqrt{'.repeat(300)}2${'}'.repeat(300)}`,
    key: six,
    undetermined: true,
    reason: /nested/,
  },
  { name: 'unicode radicals (3000)', answer: `${'√'.repeat(3000)}2`, key: six, undetermined: true, reason: /roots/ },
  {
    name: 'a 1 MB expression',
    answer: `${'1+'.repeat(500_000)}1`,
    key: { kind: 'expression', value: 'x' },
    undetermined: true,
    reason: /characters/,
  },
  {
    name: 'deep parentheses (2000)',
    answer: `${'('.repeat(2000)}1${')'.repeat(2000)}`,
    key: { kind: 'number', value: 1 },
    undetermined: true,
    reason: /nested/,
  },
  {
    name: 'deep fractions (150)',
    answer: `${'\\frac{1}{1+'.repeat(150)}1${'}'.repeat(150)}`,
    key: six,
    undetermined: true,
    reason: /nested/,
  },
  {
    name: 'a set of 1000 elements',
    answer: `\\{${Array.from({ length: 1000 }, (_, i) => i).join(', ')}\\}`,
    key: { kind: 'set', value: [1, 2] },
    undetermined: true,
    reason: /elements/,
  },
  {
    name: '300 alternatives',
    answer: Array.from({ length: 300 }, (_, i) => `x = ${i}`).join(' or '),
    key: six,
    undetermined: true,
    reason: /elements/,
  },
  {
    name: 'a tuple of 500',
    answer: `(${Array.from({ length: 500 }, (_, i) => i).join(', ')})`,
    key: { kind: 'tuple', value: [1, 2] },
    undetermined: true,
    reason: /elements/,
  },
];
