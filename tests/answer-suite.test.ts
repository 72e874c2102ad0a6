import { describe, expect, it } from 'vitest';
import { loadAnswerSuite, runAnswerSuite, suiteMisses, summariseSuite } from '../src/grading/answer-suite.js';

/**
 * The answer-checking suite (tests/fixtures/answer-suite): 263 responses written in the styles of GPT-4, Claude,
 * Llama, Qwen, DeepSeek and Mistral, in Hungarian, and cut off mid-derivation, each with a human's verdict. The
 * thresholds are the targets for real answers; the suite is where a regression shows first.
 */
describe('answer-checking suite', () => {
  const results = runAnswerSuite(loadAnswerSuite('tests/fixtures/answer-suite'));
  const summary = summariseSuite(results);

  it('covers every style with enough cases', () => {
    expect(summary.units).toBeGreaterThanOrEqual(250);
    expect(Object.keys(summary.byStyle).sort()).toEqual([
      'claude',
      'deepseek',
      'gpt-4',
      'hungarian',
      'llama',
      'mistral',
      'qwen',
      'truncated',
    ]);
  });

  it('never says "correct" where the human did not', () => {
    const wrong = results.filter((r) => r.verdict.outcome === 'correct' && r.expected !== 'correct');
    expect(wrong.map((r) => r.id)).toEqual([]);
  });

  it('agrees with the human on ≥ 95% of the units both decide, and on ≥ 90% of all verdicts', () => {
    expect(summary.agreement, suiteMisses(results).join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(summary.verdictAccuracy, suiteMisses(results).join('\n')).toBeGreaterThanOrEqual(0.9);
    for (const [style, s] of Object.entries(summary.byStyle))
      expect(
        s.verdictAccuracy,
        `${style}: ${suiteMisses(results.filter((r) => r.style === style)).join('\n')}`,
      ).toBeGreaterThanOrEqual(0.8);
  });

  it('leaves ≤ 8% of the answers a human marked correct undetermined', () => {
    expect(summary.undeterminedOnCorrect).toBeLessThanOrEqual(0.08);
  });

  it('reads the answer a human reads', () => {
    expect(summary.extractionRate).toBeGreaterThanOrEqual(0.95);
    expect(summary.extractionAccuracy).toBeGreaterThanOrEqual(0.85);
  });
});
