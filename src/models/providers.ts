import { ModelCallError } from './errors.js';
import { parseRetryAfter } from './retry.js';
import type { ResolvedModel } from './spec.js';

/** What a provider returns for one attempt; the caller adds caching, timing and retries. */
export interface RawCompletion {
  text: string;
  finishReason?: string;
  usage?: { inputTokens?: number; outputTokens?: number };
  /** Completion mode with `logprobs`: per-token log-probabilities (with `echo`, the prompt's tokens first). */
  logprobs?: TokenLogprobs;
}

/** The OpenAI completions `logprobs` object (vLLM and llama.cpp return the same shape). */
export interface TokenLogprobs {
  tokens: string[];
  /** null where the server has none (the first prompt token). */
  tokenLogprobs: (number | null)[];
  /** The top alternatives at each position, token → log-probability. */
  topLogprobs?: (Record<string, number> | null)[];
  /** Character offset of each token in the text (prompt + completion with `echo`). */
  textOffset?: number[];
}

export interface ProviderRequest {
  messages: {
    role: 'system' | 'user' | 'assistant';
    content: string;
    images?: { mediaType: string; data: string; name: string }[];
  }[];
  prompt?: string;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  json?: boolean;
  /** Completion mode: ask for the top-k log-probabilities of each token. */
  logprobs?: number;
  /** Completion mode: return the prompt with the completion (with `logprobs`: the prompt's token log-probabilities). */
  echo?: boolean;
}

export type ProviderCall = (req: ProviderRequest, signal: AbortSignal) => Promise<RawCompletion>;

/** SDK clients are imported on first use so that `heldout --help` never loads them. */
export async function providerCall(model: ResolvedModel, apiKey: string): Promise<ProviderCall> {
  if (model.api === 'anthropic') return anthropicCall(model, apiKey);
  return openaiCall(model, apiKey);
}

interface SdkErrorShape {
  status?: number;
  headers?: { get(name: string): string | null } | Record<string, string>;
  message?: string;
  name?: string;
  constructor?: { name?: string };
  cause?: unknown;
}

function headerGetter(headers: SdkErrorShape['headers']): ((n: string) => string | null | undefined) | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (n) => (headers as { get(name: string): string | null }).get(n);
  }
  return (n) => (headers as Record<string, string>)[n];
}

/** Maps what either SDK (or fetch, or JSON.parse) threw to a ModelCallError. */
export function classifySdkError(raw: unknown, why: 'timeout' | 'aborted' | undefined): ModelCallError {
  if (raw instanceof ModelCallError) return raw;
  if (why === 'timeout')
    return new ModelCallError('timeout', 'no response before the per-call timeout', { cause: raw });
  if (why === 'aborted') return new ModelCallError('aborted', 'the call was cancelled', { cause: raw });
  const e = (raw ?? {}) as SdkErrorShape;
  const cls = e.constructor?.name ?? e.name ?? '';
  const message = String(e.message ?? raw).slice(0, 500);
  if (raw instanceof SyntaxError || /JSON/.test(cls)) {
    return new ModelCallError('malformed', `the response body is not valid JSON: ${message}`, { cause: raw });
  }
  if (typeof e.status === 'number') {
    const kind = e.status === 401 || e.status === 403 ? 'auth' : 'http';
    return new ModelCallError(kind, message, {
      status: e.status,
      retryAfterMs: parseRetryAfter(headerGetter(e.headers)),
      cause: raw,
    });
  }
  if (/Timeout/.test(cls)) return new ModelCallError('timeout', message, { cause: raw });
  return new ModelCallError('network', message, { cause: raw });
}

function checkObject(res: unknown): Record<string, unknown> {
  if (!res || typeof res !== 'object' || Array.isArray(res)) {
    throw new ModelCallError('malformed', `the response is not a JSON object (got ${typeof res})`);
  }
  return res as Record<string, unknown>;
}

async function openaiCall(model: ResolvedModel, apiKey: string): Promise<ProviderCall> {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({
    apiKey,
    baseURL: model.baseUrl ?? 'https://api.openai.com/v1',
    maxRetries: 0,
    // Our own per-attempt timer aborts earlier; this only guards against a missing signal.
    timeout: 60 * 60 * 1000,
    organization: null,
    project: null,
  });
  // The official API wants max_completion_tokens (reasoning models reject max_tokens); compatible servers take max_tokens.
  const tokensField = model.provider === 'openai' ? 'max_completion_tokens' : 'max_tokens';
  return async (req, signal) => {
    if (req.prompt !== undefined) {
      const body: Record<string, unknown> = { model: model.model, prompt: req.prompt };
      if (req.temperature !== undefined) body.temperature = req.temperature;
      if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
      if (req.seed !== undefined) body.seed = req.seed;
      if (req.logprobs !== undefined) body.logprobs = req.logprobs;
      if (req.echo) body.echo = true;
      const res = checkObject(await client.completions.create(body as never, { signal }));
      const choice = (res.choices as { text?: string; finish_reason?: string; logprobs?: unknown }[] | undefined)?.[0];
      if (!choice) throw new ModelCallError('empty', 'the response has no choices');
      if (choice.finish_reason === 'content_filter') {
        throw new ModelCallError('refusal', 'the provider withheld the answer (finish_reason: content_filter)');
      }
      const text = typeof choice.text === 'string' ? choice.text : '';
      if (!text.trim())
        throw new ModelCallError('empty', `the answer is empty (finish_reason: ${choice.finish_reason})`);
      const logprobs = req.logprobs !== undefined ? parseLogprobs(choice.logprobs) : undefined;
      return {
        text,
        finishReason: choice.finish_reason ?? undefined,
        usage: openaiUsage(res.usage),
        ...(logprobs ? { logprobs } : {}),
      };
    }
    // Images go as content parts (the SDK's image_url with a data: URL); plain messages stay plain strings.
    const messages = req.messages.map((m) =>
      m.images?.length
        ? {
            role: m.role,
            content: [
              { type: 'text', text: m.content },
              ...m.images.map((i) => ({
                type: 'image_url',
                image_url: { url: `data:${i.mediaType};base64,${i.data}` },
              })),
            ],
          }
        : { role: m.role, content: m.content },
    );
    const body: Record<string, unknown> = { model: model.model, messages };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.maxTokens !== undefined) body[tokensField] = req.maxTokens;
    if (req.seed !== undefined) body.seed = req.seed;
    if (req.json) body.response_format = { type: 'json_object' };
    const res = checkObject(await client.chat.completions.create(body as never, { signal }));
    const choice = (
      res.choices as { message?: { content?: string | null; refusal?: string | null }; finish_reason?: string }[]
    )?.[0];
    if (!choice) throw new ModelCallError('empty', 'the response has no choices');
    if (choice.finish_reason === 'content_filter' || choice.message?.refusal) {
      throw new ModelCallError(
        'refusal',
        choice.message?.refusal
          ? `the model refused: ${choice.message.refusal.slice(0, 300)}`
          : 'the provider withheld the answer (finish_reason: content_filter)',
      );
    }
    const text = typeof choice.message?.content === 'string' ? choice.message.content : '';
    if (!text.trim()) throw new ModelCallError('empty', `the answer is empty (finish_reason: ${choice.finish_reason})`);
    return { text, finishReason: choice.finish_reason ?? undefined, usage: openaiUsage(res.usage) };
  };
}

/** The completions `logprobs` object, checked: a server that ignores `logprobs` is told apart from one that sends junk. */
function parseLogprobs(raw: unknown): TokenLogprobs {
  if (!raw || typeof raw !== 'object') {
    throw new ModelCallError(
      'malformed',
      'the server returned no logprobs (does it support `logprobs` on /v1/completions?)',
      {
        retryable: false,
      },
    );
  }
  const o = raw as { tokens?: unknown; token_logprobs?: unknown; top_logprobs?: unknown; text_offset?: unknown };
  const tokens = o.tokens;
  const lps = o.token_logprobs;
  if (
    !Array.isArray(tokens) ||
    !Array.isArray(lps) ||
    tokens.length !== lps.length ||
    tokens.some((t) => typeof t !== 'string') ||
    lps.some((v) => v !== null && typeof v !== 'number')
  ) {
    throw new ModelCallError('malformed', 'the logprobs object lacks tokens/token_logprobs of equal length', {
      retryable: false,
    });
  }
  const out: TokenLogprobs = { tokens: tokens as string[], tokenLogprobs: lps as (number | null)[] };
  if (Array.isArray(o.top_logprobs) && o.top_logprobs.length === tokens.length) {
    out.topLogprobs = (o.top_logprobs as unknown[]).map((t) =>
      t && typeof t === 'object' && !Array.isArray(t) ? (t as Record<string, number>) : null,
    );
  }
  if (Array.isArray(o.text_offset) && o.text_offset.length === tokens.length)
    out.textOffset = o.text_offset as number[];
  return out;
}

function openaiUsage(u: unknown): RawCompletion['usage'] {
  if (!u || typeof u !== 'object') return undefined;
  const { prompt_tokens, completion_tokens } = u as { prompt_tokens?: number; completion_tokens?: number };
  return { inputTokens: prompt_tokens, outputTokens: completion_tokens };
}

async function anthropicCall(model: ResolvedModel, apiKey: string): Promise<ProviderCall> {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const client = new Anthropic({
    apiKey,
    baseURL: model.baseUrl ?? 'https://api.anthropic.com',
    maxRetries: 0,
    timeout: 60 * 60 * 1000,
  });
  return async (req, signal) => {
    const system = req.messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n');
    const body: Record<string, unknown> = {
      model: model.model,
      max_tokens: req.maxTokens ?? 4096,
      // Images go first as base64 image blocks (Anthropic's advice), then the text.
      messages: req.messages
        .filter((m) => m.role !== 'system')
        .map((m) =>
          m.images?.length
            ? {
                role: m.role,
                content: [
                  ...m.images.map((i) => ({
                    type: 'image',
                    source: { type: 'base64', media_type: i.mediaType, data: i.data },
                  })),
                  { type: 'text', text: m.content },
                ],
              }
            : { role: m.role, content: m.content },
        ),
    };
    if (system) body.system = system;
    if (req.temperature !== undefined) body.temperature = req.temperature;
    const res = checkObject(await client.messages.create(body as never, { signal }));
    const blocks = res.content as { type?: string; text?: string }[] | undefined;
    if (res.stop_reason === 'refusal') throw new ModelCallError('refusal', 'the model refused (stop_reason: refusal)');
    if (!Array.isArray(blocks) || blocks.length === 0) throw new ModelCallError('empty', 'the response has no content');
    const text = blocks
      .filter((b) => b.type === 'text' && typeof b.text === 'string')
      .map((b) => b.text)
      .join('');
    if (!text.trim()) throw new ModelCallError('empty', `the answer is empty (stop_reason: ${res.stop_reason})`);
    const u = res.usage as { input_tokens?: number; output_tokens?: number } | undefined;
    return {
      text,
      finishReason: typeof res.stop_reason === 'string' ? res.stop_reason : undefined,
      usage: u ? { inputTokens: u.input_tokens, outputTokens: u.output_tokens } : undefined,
    };
  };
}
