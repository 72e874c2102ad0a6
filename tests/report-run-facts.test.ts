import { describe, expect, it } from 'vitest';
import { runFacts } from '../src/report/run-facts.js';
import { tinyInputs } from './fixtures/report/inputs.js';

const tiny = await tinyInputs();
const params = { temperature: 0.1, shots: 5, mode: 'chat', samples: 1, splitSubparts: false, maxTokens: 2048 };
const ref = (spec: string, index: number) => ({ spec, label: spec, index });

describe('run section: parameters only where they applied', () => {
  it('a replay-only run shows no sampling parameter, and says why', () => {
    const inputs = { ...tiny, manifest: { params } };
    const facts = runFacts(inputs, [ref('replay:a.jsonl', 0), ref('replay:b.jsonl', 1)]);
    expect(facts.params.map((p) => p.key).sort()).toEqual(['samples', 'splitSubparts']);
    expect(facts.paramsNote).toMatch(
      /replayed .* no model was called: temperature, shots, mode, maxTokens did not apply/,
    );
    expect(facts.models.every((m) => m.replayed)).toBe(true);
  });

  it('with called models, sampling parameters show (shots only in completion mode) with a note on the replayed ones', () => {
    const inputs = { ...tiny, manifest: { params } };
    const facts = runFacts(inputs, [ref('openai:fict-alpha', 0), ref('replay:answers/hostile.jsonl', 1)]);
    expect(facts.params.map((p) => p.key).sort()).toEqual([
      'maxTokens',
      'mode',
      'samples',
      'splitSubparts',
      'temperature',
    ]);
    expect(facts.paramsNote).toMatch(/applied to the 1 called model only, not to the replayed 1/);
    const completion = runFacts({ ...tiny, manifest: { params: { ...params, mode: 'completion' } } }, [
      ref('openai:fict-alpha', 0),
    ]);
    expect(completion.params.map((p) => p.key)).toContain('shots');
  });

  it('tokens, cost (with recorded prices), call time and wall time per model', () => {
    const inputs = { ...tiny, responses: tiny.responses.map((r) => ({ ...r })) };
    inputs.manifest = {
      ...inputs.manifest,
      models: [{ spec: 'openai:fict-alpha', prices: { input: 2, output: 8 } }],
    };
    for (const r of inputs.responses.filter((x) => x.model === 'openai:fict-alpha')) {
      r.usage = { inputTokens: 1000, outputTokens: 500 };
      r.timing = { startedAt: '2026-11-27T10:00:00Z', ms: 1500 };
    }
    const facts = runFacts(inputs, [ref('openai:fict-alpha', 0), ref('anthropic:fict-beta', 1)]);
    const alpha = facts.models[0];
    const n = inputs.responses.filter((x) => x.model === 'openai:fict-alpha').length;
    expect(alpha.tokensIn).toBe(1000 * n);
    expect(alpha.cost).toBeCloseTo((n * (1000 * 2 + 500 * 8)) / 1e6, 9);
    expect(alpha.callSeconds).toBeCloseTo(1.5 * n, 9);
    expect(facts.models[1].cost).toBeUndefined();
    expect(facts.wallSeconds).toBe(252);
  });
});
