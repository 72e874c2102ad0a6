import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import { HeldoutError } from '../errors.js';
import { cacheKey, defaultCacheDir, ResponseCache } from './cache.js';
import type { HeldoutConfig } from './config.js';
import { ModelCallError } from './errors.js';
import { classifySdkError, type ProviderCall, providerCall, type TokenLogprobs } from './providers.js';
import { redactKey } from './redact.js';
import { loadReplaySheet, normaliseQuestionText, type ReplaySheet, stripChatTemplate } from './replay.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from './retry.js';
import { defaultConcurrency, type ResolvedModel, resolveModelSpec } from './spec.js';

/**
 * Calling models: one interface over OpenAI(-compatible) servers, Anthropic and recorded answers, with a
 * per-provider concurrency limit, retries (exponential backoff + jitter, capped Retry-After, per-call timeout) and a
 * content-addressed disk cache. The runner, the model judges and the contamination check all call models through it.
 */

export { type CachedCompletion, cacheKey, defaultCacheDir, ResponseCache } from './cache.js';
export { type HeldoutConfig, loadConfig, type ModelConfig, modelConfigSchema } from './config.js';
export { isModelCallError, ModelCallError, type ModelCallErrorKind } from './errors.js';
export type { TokenLogprobs } from './providers.js';
export { DEFAULT_RETRY, parseRetryAfter, type RetryPolicy, retryDelay } from './retry.js';
export { type Provider, providers, type ResolvedModel, resolveModelSpec } from './spec.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Image inputs sent with this (user) message, for models that take images (`ModelCaller.images`). */
  images?: ImageInput[];
}

/** A PNG or JPEG, base64-encoded, sent through the provider SDK's image input. */
export interface ImageInput {
  mediaType: 'image/png' | 'image/jpeg';
  data: string;
  /** Where it came from (the figure file), for records. */
  name: string;
}

export interface CompletionRequest {
  /** Chat mode. */
  messages: ChatMessage[];
  /** Completion mode (base models): the raw prompt, used instead of `messages`. */
  prompt?: string;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  /** Ask for a JSON object where the provider supports it. */
  json?: boolean;
  /** Which repeated sample of the same prompt this is (0-based); part of the cache key so samples differ. */
  sample?: number;
  /** For `replay:` models: the question being asked, matched against the sheet's id column. */
  questionId?: string;
  /** Completion mode (OpenAI-compatible servers): top-k log-probabilities per token. */
  logprobs?: number;
  /** Completion mode: echo the prompt, so that `logprobs` covers the prompt's own tokens (Min-K% probes). */
  echo?: boolean;
}

export interface Completion {
  text: string;
  finishReason?: string;
  usage?: { inputTokens?: number; outputTokens?: number };
  logprobs?: TokenLogprobs;
  cached: boolean;
  /** HTTP attempts made (0 for a cache hit or a replay). */
  attempts: number;
  /** Time from getting a concurrency slot to the answer, retries included. */
  ms: number;
}

export interface ModelCaller {
  /** The spec as given: records are keyed by it. */
  spec: string;
  provider: string;
  model: string;
  baseUrl?: string;
  mode: 'chat' | 'completion';
  /** US dollars per 1M tokens, from the config. */
  prices?: { input: number; output: number };
  /** The concurrency slots this caller shares with others of the same provider and server. */
  concurrency: number;
  /** Takes image inputs (figures are sent as images, else described by their alt text). */
  images: boolean;
  resolved: ResolvedModel;
  call(req: CompletionRequest, signal?: AbortSignal): Promise<Completion>;
}

export interface OpenModelOptions {
  /** From heldout.config.yaml: named models. */
  config?: Pick<HeldoutConfig, 'models'>;
  baseUrl?: string;
  /** Default: `$HELDOUT_CACHE_DIR` or `.heldout-cache/responses` under the cwd. */
  cacheDir?: string;
  noCache?: boolean;
  concurrency?: number;
  /** Per attempt. Default 120 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** Where keys and base URLs are read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  mode?: 'chat' | 'completion';
  /** The flag the spec came from, for error messages. Default `--model`. */
  flag?: string;
  /** Backoff tuning (tests use short delays). */
  retry?: Partial<RetryPolicy>;
  /** Told before each retry wait. */
  onRetry?: (info: { spec: string; error: ModelCallError; delayMs: number; retry: number }) => void;
}

const limiters = new Map<string, LimitFunction>();

/** One limiter per provider and server, so two models on the same API share its rate limit. */
function limiterFor(model: ResolvedModel, concurrency: number): LimitFunction {
  const key = `${model.provider}|${model.baseUrl ?? ''}|${model.api === 'replay' ? model.model : ''}|${concurrency}`;
  let limit = limiters.get(key);
  if (!limit) {
    limit = pLimit(concurrency);
    limiters.set(key, limit);
  }
  return limit;
}

/** Key for a server that needs none (ollama, vLLM): the SDKs insist on a string. */
const NO_KEY = 'none';

function apiKeyFor(model: ResolvedModel, env: Record<string, string | undefined>): string {
  if (model.api === 'replay') return NO_KEY;
  if (!model.apiKeyEnv) return NO_KEY;
  const key = env[model.apiKeyEnv];
  if (!key) {
    throw new HeldoutError(`${model.spec}: no API key: the environment variable ${model.apiKeyEnv} is not set`, {
      hint: `export ${model.apiKeyEnv}=… (keys are read only from the environment and never written anywhere)`,
    });
  }
  return key;
}

/** Removes the key, and any echo of its prefix or suffix, from a message (a server may echo it): redact.ts. */
function redact(text: string, key: string): string {
  return key === NO_KEY ? text : redactKey(text, key);
}

/**
 * Opens a model by spec (`openai:gpt-4o`, `anthropic:claude-…`, `ollama:llama3.1`, `xai:grok-…`,
 * `vllm:<model>` / `openai-compatible:<model>` with a base URL, `replay:<file>`, or a name from the config).
 * Throws a HeldoutError at once when the key is missing. The SDK is loaded on the first call.
 */
export function openModel(spec: string, opts: OpenModelOptions = {}): ModelCaller {
  const env = opts.env ?? process.env;
  const resolved = resolveModelSpec(spec, {
    config: opts.config,
    baseUrl: opts.baseUrl,
    mode: opts.mode,
    env,
    flag: opts.flag,
  });
  const apiKey = apiKeyFor(resolved, env);
  const concurrency = opts.concurrency ?? resolved.concurrency ?? defaultConcurrency(resolved.provider);
  const limit = limiterFor(resolved, concurrency);
  const base = {
    spec,
    provider: resolved.provider,
    model: resolved.model,
    baseUrl: resolved.baseUrl,
    mode: resolved.mode,
    prices: resolved.prices,
    concurrency,
    images: resolved.images,
    resolved,
  };
  if (resolved.api === 'replay') return { ...base, call: replayCall(resolved.model) };

  const policy: RetryPolicy = {
    ...DEFAULT_RETRY,
    ...opts.retry,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
  };
  const cache = opts.noCache ? undefined : new ResponseCache(opts.cacheDir ?? defaultCacheDir(env));
  let client: Promise<ProviderCall> | undefined;

  const call = async (req: CompletionRequest, signal?: AbortSignal): Promise<Completion> => {
    const completionMode = req.prompt !== undefined;
    if (!completionMode && !req.messages?.length) throw new Error('CompletionRequest needs messages or a prompt');
    const key = !cache
      ? ''
      : cacheKey({
          provider: resolved.provider,
          model: resolved.model,
          baseUrl: resolved.baseUrl ?? '',
          ...(completionMode ? { prompt: req.prompt } : { messages: req.messages }),
          temperature: req.temperature,
          maxTokens: req.maxTokens,
          seed: req.seed,
          json: req.json || undefined,
          sample: req.sample ?? 0,
          logprobs: req.logprobs,
          echo: req.echo || undefined,
        });
    // Many concurrent calls share one run-wide signal: that is not a leak, so lift Node's 10-listener warning.
    if (signal) setMaxListeners(0, signal);
    const hit = cache ? cache.get(key) : undefined;
    if (hit) return { ...hit, cached: true, attempts: 0, ms: 0 };
    return limit(async () => {
      if (signal?.aborted) throw new ModelCallError('aborted', 'the call was cancelled');
      const t0 = performance.now();
      client ??= providerCall(resolved, apiKey);
      let send: ProviderCall;
      try {
        send = await client;
      } catch (err) {
        client = undefined;
        throw err;
      }
      try {
        const { value, attempts } = await withRetries(
          (s) =>
            send(
              {
                messages: req.messages,
                prompt: req.prompt,
                temperature: req.temperature,
                maxTokens: req.maxTokens,
                seed: req.seed,
                json: req.json,
                logprobs: req.logprobs,
                echo: req.echo,
              },
              s,
            ),
          classifySdkError,
          policy,
          signal,
          opts.onRetry ? (error, delayMs, retry) => opts.onRetry?.({ spec, error, delayMs, retry }) : undefined,
        );
        cache?.set(key, value, { provider: resolved.provider, model: resolved.model });
        return { ...value, cached: false, attempts, ms: performance.now() - t0 };
      } catch (err) {
        const e = err instanceof ModelCallError ? err : classifySdkError(err, undefined);
        const clean = new ModelCallError(e.kind, redact(e.message, apiKey), {
          status: e.status,
          retryable: e.retryable,
          retryAfterMs: e.retryAfterMs,
        });
        clean.attempts = e.attempts;
        throw clean;
      }
    });
  };
  return { ...base, call };
}

/**
 * A replay "model": answers come from the sheet, matched by `req.questionId` against its id column, or by finding a
 * row whose question text appears in the prompt. No match gives an empty answer with finishReason "missing".
 * (`heldout run` matches rows to the exam's questions up front instead, to report unmatched rows; see src/run.)
 */
function replayCall(file: string): ModelCaller['call'] {
  let sheet: ReplaySheet | undefined;
  let texts: { norm: string; rows: ReplaySheet['rows'] }[] | undefined;
  return async (req) => {
    sheet ??= loadReplaySheet(file);
    let rows = req.questionId !== undefined ? sheet.rows.filter((r) => r.id === req.questionId) : [];
    if (rows.length === 0 && sheet.textColumn) {
      if (!texts) {
        const groups = new Map<string, ReplaySheet['rows']>();
        for (const r of sheet.rows) {
          if (!r.text) continue;
          const norm = normaliseQuestionText(stripChatTemplate(r.text));
          if (norm.length < 8) continue;
          groups.set(norm, [...(groups.get(norm) ?? []), r]);
        }
        texts = [...groups].map(([norm, rs]) => ({ norm, rows: rs })).sort((a, b) => b.norm.length - a.norm.length);
      }
      const asked = normaliseQuestionText(
        req.prompt ??
          req.messages
            .filter((m) => m.role === 'user')
            .map((m) => m.content)
            .join('\n'),
      );
      rows = texts.find((t) => asked.includes(t.norm))?.rows ?? [];
    }
    const row = rows[req.sample ?? 0];
    if (!row) return { text: '', finishReason: 'missing', cached: false, attempts: 0, ms: 0 };
    return { text: row.answer, finishReason: 'replay', cached: false, attempts: 0, ms: 0 };
  };
}
