import { type Completion, isModelCallError } from '../models/index.js';
import { promptTokenScores } from './min-k.js';
import type { ProbeTask } from './plan.js';
import type { ProbeParams, ProbeRecord } from './records.js';
import { optionMatches, scoreContinuation } from './text-match.js';

/** One call: ask, score, and hand the record to `write` (failures are recorded too; cancelled calls are not). */
export async function runTask(
  t: ProbeTask,
  params: ProbeParams,
  signal: AbortSignal,
  write: (r: ProbeRecord) => void,
): Promise<void> {
  const t0 = Date.now();
  const base = {
    id: t.id,
    model: t.caller.spec,
    probe: t.probe,
    variant: t.variant,
    set: t.set,
    source: t.source,
    itemId: t.itemId,
    prompt: t.prompt,
    ...(t.reference !== undefined ? { reference: t.reference } : {}),
    ...(t.chance !== undefined ? { chance: t.chance } : {}),
  };
  const completionMode = t.logprobs !== undefined || t.caller.mode === 'completion';
  let c: Completion;
  try {
    c = await t.caller.call(
      {
        messages: completionMode ? [] : [{ role: 'user', content: t.prompt }],
        ...(completionMode ? { prompt: t.prompt } : {}),
        temperature: params.temperature,
        maxTokens: t.maxTokens,
        seed: params.seed,
        ...(t.logprobs !== undefined ? { logprobs: t.logprobs, echo: true } : {}),
      },
      signal,
    );
  } catch (err) {
    if (!isModelCallError(err)) throw err;
    if (err.kind === 'aborted') return; // left to do: --resume asks it again
    write({
      ...base,
      error: { kind: err.kind, message: err.message, ...(err.status !== undefined ? { status: err.status } : {}) },
      timing: { startedAt: new Date(t0).toISOString(), ms: Date.now() - t0, attempts: err.attempts ?? 0 },
    });
    return;
  }
  const common = {
    ...(c.usage ? { usage: stripUndefined(c.usage) } : {}),
    timing: { startedAt: new Date(t0).toISOString(), ms: Math.round(c.ms), attempts: c.attempts },
    cached: c.cached,
  };
  if (t.probe === 'min-k') {
    // A server without echo returns the generated token's log-probability only: scoring it as the item's would be
    // silently wrong, so it is recorded as a failure that says why.
    const why = !c.logprobs
      ? 'the server returned no logprobs'
      : !c.text.startsWith(t.prompt)
        ? 'the server did not echo the prompt, so it gave no log-probabilities for the item (Min-K% needs `echo` with `logprobs` on /v1/completions, as vLLM has)'
        : undefined;
    if (why || !c.logprobs) {
      write({ ...base, error: { kind: 'unsupported', message: why ?? 'no logprobs' }, ...common });
      return;
    }
    const scores = promptTokenScores(c.logprobs, t.prompt.length);
    write({ ...base, logprobs: scores.logprobs, zscores: scores.zscores, ...common });
    return;
  }
  const text = c.text;
  const scores =
    t.probe === 'guided'
      ? scoreContinuation(text, t.reference ?? '')
      : { exact: optionMatches(text, t.reference ?? ''), rougeL: scoreContinuation(text, t.reference ?? '').rougeL };
  write({ ...base, text, scores, ...common });
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
