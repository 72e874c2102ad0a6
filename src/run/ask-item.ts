import type { ContentVersions } from '../exam/versions.js';
import { unitVersionsJson } from '../exam/versions.js';
import { type Completion, isModelCallError, type ModelCaller } from '../models/index.js';
import type { ReplayRow } from '../models/replay.js';
import type { ResponseRecord } from '../store/records.js';
import type { RunParams } from '../store/run.js';
import { messagesWithFigures } from './figure-inputs.js';
import type { PromptItem } from './prompt.js';

/** One (model, prompt, sample) of a run. */
export interface WorkItem {
  id: string;
  caller: ModelCaller;
  prompt: PromptItem;
  sample: number;
}

export interface AskContext {
  versions: ContentVersions;
  params: RunParams;
  /** Where the exam's figure files are. */
  examDir: string;
  /** A replay model's recorded answer for this item (undefined: none, stored as a "missing" empty answer). */
  replayRow?: ReplayRow;
  /** Cancels the call at once (the second Ctrl-C). */
  signal: AbortSignal;
}

/**
 * Asks one item and returns the record to append: the answer, or the error a retry could not cure. Undefined when
 * the call was cancelled: the item stays missing and `--resume` asks it again.
 */
export async function askItem(it: WorkItem, c0: AskContext): Promise<ResponseRecord | undefined> {
  const { versions, params, examDir, replayRow, signal } = c0;
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const base = {
    id: it.id,
    model: it.caller.spec,
    questionId: it.prompt.questionId,
    unitIds: it.prompt.unitIds,
    sample: it.sample,
    versions: unitVersionsJson(versions, it.prompt.unitIds),
  };
  const seed = params.seed === undefined ? undefined : params.seed + it.sample;
  const recordParams = stripUndefined({ temperature: params.temperature, maxTokens: params.maxTokens, seed });
  // Figures: image inputs for models that take them, alt text for the others (recorded per answer).
  const shown =
    it.prompt.prompt === undefined && it.caller.resolved.api !== 'replay'
      ? messagesWithFigures(it.prompt, examDir, it.caller.images)
      : { messages: it.prompt.messages, figures: undefined };
  const audit =
    it.prompt.prompt !== undefined
      ? { prompt: it.prompt.prompt }
      : { messages: shown.messages.map(({ role, content }) => ({ role, content })) };
  const figureRecord = shown.figures ? { figures: shown.figures } : {};
  let c: Completion;
  try {
    if (it.caller.resolved.api === 'replay') {
      const row = replayRow;
      c = row
        ? { text: row.answer, finishReason: 'replay', cached: false, attempts: 0, ms: 0 }
        : { text: '', finishReason: 'missing', cached: false, attempts: 0, ms: 0 };
    } else {
      c = await it.caller.call(
        {
          messages: shown.messages,
          prompt: it.prompt.prompt,
          temperature: params.temperature,
          maxTokens: params.maxTokens,
          seed,
          sample: it.sample,
          questionId: it.prompt.questionId,
        },
        signal,
      );
    }
  } catch (err) {
    if (isModelCallError(err)) {
      if (err.kind === 'aborted') return undefined; // left missing: --resume does it
      return {
        ...base,
        error: { kind: err.kind, message: err.message, ...(err.status !== undefined ? { status: err.status } : {}) },
        timing: { startedAt, ms: Date.now() - t0, attempts: err.attempts },
        ...audit,
        ...figureRecord,
        params: recordParams,
      };
    }
    throw err;
  }
  return {
    ...base,
    text: c.text,
    ...(c.finishReason ? { finishReason: c.finishReason } : {}),
    ...(c.usage ? { usage: stripUndefined(c.usage) } : {}),
    timing: { startedAt, ms: Math.round(c.ms), attempts: c.attempts },
    cached: c.cached,
    ...audit,
    ...figureRecord,
    params: recordParams,
  };
}
export function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
