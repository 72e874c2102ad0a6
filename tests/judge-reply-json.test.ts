import { describe, expect, it } from 'vitest';
import { parseConfirm } from '../src/contamination/confirm.js';
import { finalJsonObject, parseFinalJson } from '../src/models/reply-json.js';

// The reader the judge and `--confirm` share. The greedy regex confirm.ts used before took everything from the
// first `{` to the last `}`: these replies are where that misreads.
const greedy = (text: string) => /\{[\s\S]*\}/.exec(text)?.[0];

describe('the final JSON object of a model reply', () => {
  it('skips braces in the prose before the object', () => {
    const reply = 'Comparing {x} with the set {1, 2}: {"same": false, "reason": "different sets"}';
    expect(() => JSON.parse(greedy(reply)!)).toThrow();
    expect(parseFinalJson(reply)).toEqual({ ok: true, value: { same: false, reason: 'different sets' } });
  });

  it('reads the last of two objects (a draft, then the answer)', () => {
    const reply = 'Draft: {"same": true, "reason": "a"}\nFinal: {"same": false, "reason": "b"}';
    expect(() => JSON.parse(greedy(reply)!)).toThrow();
    expect(finalJsonObject(reply)).toBe('{"same": false, "reason": "b"}');
  });

  it('does not count braces inside JSON strings, escaped quotes included', () => {
    const reply = 'Here: {"reason": "the set \\"{1, 2\\" is open: }", "same": true}';
    expect(parseFinalJson(reply)).toEqual({ ok: true, value: { reason: 'the set "{1, 2" is open: }', same: true } });
  });

  it('finds nothing when the reply does not end with an object, and says why a broken one fails', () => {
    expect(finalJsonObject('{"same": true} and then a stray }')).toBeUndefined();
    expect(parseFinalJson('no json here')).toEqual({ ok: false, error: 'no JSON object at the end of the reply' });
    expect(parseFinalJson('{"same": true,}')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the final JSON object does not parse: /),
    });
  });
});

describe('--confirm reads its verdict with the careful reader', () => {
  it('takes the verdict from the object, not from words in the prose around it', () => {
    // The old fallback, reached when the greedy match did not parse, read "same" in this text as a yes.
    expect(parseConfirm('Comparing {x} with {y}: {"same": false, "reason": "other numbers"}')).toEqual({
      same: false,
      reason: 'other numbers',
    });
    expect(parseConfirm('Draft: {"same": false, "reason": "a"}\nFinal: {"same": true, "reason": "b"}')).toEqual({
      same: true,
      reason: 'b',
    });
  });

  it('still falls back to words when there is no object', () => {
    expect(parseConfirm('No, these are different problems.')).toMatchObject({ same: false });
    expect(parseConfirm('???')).toMatchObject({ same: null });
  });
});
