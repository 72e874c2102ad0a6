import { describe, expect, it } from 'vitest';
import type { Answer } from '../src/exam/schema.js';
import { gradeAuto, judgeReading } from '../src/grading/auto.js';
import { readFinalAnswer, readUnitAnswers } from '../src/grading/extract.js';

const num = (value: number | string, tolerance?: number): Answer => ({
  kind: 'number',
  value,
  ...(tolerance ? { tolerance } : {}),
});
const verdict = (text: string, key: Answer, finishReason?: string) =>
  judgeReading(readFinalAnswer(text, { finishReason, hint: { kind: key.kind } }), key);

// Each case is a failure the issue reported (written anew here, in the same style); before the evidence-ordered
// reader each of them was "no final answer" (graded 0), or a wrong verdict.
describe('answers stated in prose are read', () => {
  it.each([
    ['1·32 + 0·16 + 1·8 + 0·4 + 1·2 + 1·1 = 43\n\nSo, the decimal value of the binary number is 43.', num(43)],
    ['Six people sit in a row, so we count 6! arrangements, which gives = 720 different arrangements.', num(720)],
    ['log₂(2x) = 1 + log₂x = 1 + 5.\n\nTherefore, log₂(2x) is 6.', num(6)],
    [
      'h(t) = 2t − 5t², so h′(t) = 2 − 10t = 0.\n\nAnswer The ball will reach its maximum height at t = 1/5 s.',
      num('1/5'),
    ],
    ['-5', num(-5)],
    ['7,425,000', num(7425000)],
    ['1 000', num(1000)],
    ['The net price is 900 € and the tax is 100.99 €, which is 1,000.99 €', num(1000.99)],
    ['Az átlag tehát 2,74.', num(2.74)],
    ['A válasz: a keresett valószínűség 0,375.', num(0.375)],
  ])('%j', (text, key) => {
    expect(verdict(text, key)).toMatchObject({ outcome: 'correct' });
  });

  it('reads "Hence x = 3 and y = −1." as the pair (3, −1)', () => {
    expect(
      verdict('Adding the equations gives 2x = 6.\n\nHence x = 3 and y = −1.', { kind: 'tuple', value: [3, -1] }),
    ).toMatchObject({
      outcome: 'correct',
      extracted: 'x = 3 and y = −1',
      source: 'conclusion',
    });
  });
});

describe('several boxes, identities and cut-off answers', () => {
  it('takes every box of the last sentence as a set', () => {
    const v = verdict('By the formula, the solutions are \\boxed{2} and \\boxed{-3}.', { kind: 'set', value: [2, -3] });
    expect(v).toMatchObject({ outcome: 'correct', extracted: '2, -3' });
  });

  it('never takes the right-hand side of an identity as the answer', () => {
    const v = verdict('First we factor the numerator:\n$$\\frac{2x^2-2}{x(x-1)(x+1)} = 2$$', num(2));
    expect(v.outcome).toBe('undetermined');
    expect(v.extracted).toBeUndefined();
  });

  it('leaves an answer cut off mid-derivation undetermined, whatever its last formula', () => {
    const cut = 'Here $a = 1$, $b = -5$, $c = 6$, so\n$$x = \\frac{5 \\pm \\sqrt{25 - 24}}{2} = ';
    expect(verdict(cut, num(3))).toMatchObject({
      outcome: 'undetermined',
      reason: expect.stringMatching(/^truncated/),
    });
    expect(verdict('The sum is \\boxed{12}', num(12), 'length')).toMatchObject({ outcome: 'undetermined' });
    expect(verdict('We now substitute this into the', num(12))).toMatchObject({ outcome: 'undetermined' });
  });

  it('keeps an answer given plainly before a check that was cut', () => {
    expect(verdict('So there are \\boxed{24} orders.\n\nLet us check: 4! = 4 · 3 · 2 ·', num(24))).toMatchObject({
      outcome: 'correct',
    });
  });

  it('says "undetermined", not "incorrect", when nothing was stated, and keeps a wrong answer wrong', () => {
    expect(verdict('I think it is about six, but I am not sure how to continue', num(6))).toMatchObject({
      outcome: 'undetermined',
    });
    expect(verdict('The answer is 42.', num(43))).toMatchObject({ outcome: 'incorrect', extracted: '42', key: '43' });
  });

  it('treats two conflicting final statements as undetermined, and a self-correction as the later answer', () => {
    const conflict = '### Final Answer\n**x = 4**\n\nTo summarize: collecting terms and dividing by 2 gives x = 5.';
    expect(verdict(conflict, num(5)).outcome).toBe('undetermined');
    expect(verdict('The answer is 12.\n\nWait, I made an error: the answer is 15.', num(15)).outcome).toBe('correct');
  });
});

describe('sub-parts', () => {
  it('reads a closing summary per sub-part, and a Hungarian answer line', () => {
    const text =
      'a) The greatest common divisor is 2 · 3 = 6.\n\nb) The least common multiple is 12 · 18 = 216.\n\nVálasz: a) 6, b) 36';
    const r = readUnitAnswers(text, [
      { id: 'a', path: ['a'] },
      { id: 'b', path: ['b'] },
    ]);
    expect(r.get('a')?.answer?.text).toBe('6');
    expect(r.get('b')?.answer?.text).toBe('36');
  });
});

describe('what the checker may award', () => {
  const unit = {
    id: 'q',
    questionId: 'q',
    partId: 'I',
    labels: ['1'],
    text: 'Solve 2x = 8.',
    points: 5,
    answer: num(4),
  };
  const ctx = (text: string) => ({
    units: new Map([['q', unit]]),
    rubric: {
      file: 'r.yaml',
      doc: undefined as never,
      rubric: {
        exam: 'e',
        marking: {
          q: {
            items: [
              { id: 'work', points: 2, criterion: 'Divides by 2.' },
              { id: 'ans', points: 3, criterion: 'x = 4.', auto: true },
            ],
            caps: [{ id: 'bare', criterion: 'No working: at most 1 point.', max: 1, unless: ['work'] }],
          },
        },
      },
    },
    responses: [{ id: 'm|q|0', model: 'm', questionId: 'q', unitIds: ['q'], sample: 0, text }],
  });

  it('does not apply a cap that waits for the working it cannot see', () => {
    // Before: the cap applied because "work" (not the checker's to award) was 0, so a fully worked answer got 1 of 3.
    const { grades } = gradeAuto(ctx('Dividing both sides by 2 gives x = 4.\n\nAnswer: x = 4'));
    expect(grades[0]).toMatchObject({ status: 'graded', total: 3, verdict: { outcome: 'correct' } });
    expect(grades[0].caps).toBeUndefined();
  });

  it('records an empty answer as unanswered, not as a wrong or undetermined grade', () => {
    const { grades, summary } = gradeAuto(ctx('   '));
    expect(grades).toEqual([]);
    expect(summary).toMatchObject({ unanswered: 1, graded: 0 });
  });
});
