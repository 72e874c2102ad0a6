/**
 * A real loopback HTTP server that speaks enough of three model APIs for tests and benchmarks:
 *   - OpenAI chat completions   POST <url>/v1/chat/completions   (point the openai SDK at `server.openaiBaseUrl`)
 *   - OpenAI legacy completions POST <url>/v1/completions        (completion mode for base models)
 *   - Anthropic messages        POST <url>/v1/messages           (point @anthropic-ai/sdk at `server.anthropicBaseUrl`)
 *
 *   const server = await startModelServer({ latencyMs: 0 });
 *   server.enqueue({ kind: 'status', status: 429, retryAfter: 1 }, { kind: 'ok', text: 'hi' });
 *   const model = openModel('openai:gpt-test', { baseUrl: server.openaiBaseUrl, env: { OPENAI_API_KEY: 'k' } });
 *   server.requests;            // every request: { n, method, path, api, headers, body, text }
 *   server.prompts();           // the user-visible prompt of each request (last user message, or `prompt`)
 *   await server.close();
 *
 * Behaviours (one is taken from the queue per request; when the queue is empty, `script(req)` or `defaultBehaviour`):
 *   { kind: 'ok', text?, finishReason?, latencyMs? }     a normal answer (default text: `answer(req)`)
 *   { kind: 'status', status, retryAfter?, body? }      an HTTP error, e.g. 429 with Retry-After (seconds or a date)
 *   { kind: 'hang' }                                     accept and never answer (the client must time out)
 *   { kind: 'malformed', body? }                         200 with a body that is not JSON
 *   { kind: 'empty' }                                    200 with no choices (OpenAI) / no content blocks (Anthropic)
 *   { kind: 'refusal' }                                  finish_reason content_filter / stop_reason refusal
 * `latencyMs` (server option or per behaviour) delays every answer; `maxInFlight` reports peak concurrency.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Behaviour =
  | { kind: 'ok'; text?: string; finishReason?: string; latencyMs?: number }
  | { kind: 'status'; status: number; retryAfter?: number | string; body?: unknown; latencyMs?: number }
  | { kind: 'hang' }
  | { kind: 'malformed'; body?: string; latencyMs?: number }
  | { kind: 'empty'; latencyMs?: number }
  | { kind: 'refusal'; latencyMs?: number };

export interface RecordedRequest {
  /** 1-based arrival order. */
  n: number;
  method: string;
  path: string;
  api: 'openai-chat' | 'openai-completion' | 'anthropic' | 'unknown';
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
  /** The raw body. */
  raw: string;
}

export interface ModelServerOptions {
  /** Fixed delay before every answer. */
  latencyMs?: number;
  /** Text of an `ok` answer without its own text. Default: `The answer is \boxed{42}.` */
  answer?: (req: RecordedRequest) => string;
  /** Chooses a behaviour when the queue is empty. */
  script?: (req: RecordedRequest) => Behaviour | undefined;
  /** Do not record request bodies (benchmarks). */
  noRecord?: boolean;
  /** The `logprobs` object of a legacy completion (default null). */
  logprobs?: (req: RecordedRequest) => unknown;
}

export interface ModelServer {
  url: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  requests: RecordedRequest[];
  /** Requests seen, also when `noRecord`. */
  count: number;
  maxInFlight: number;
  latencyMs: number;
  defaultBehaviour: Behaviour;
  enqueue(...behaviours: Behaviour[]): void;
  /** The prompt text of each recorded request: the last user message, or the completion prompt. */
  prompts(): string[];
  reset(): void;
  close(): Promise<void>;
}

export function promptOf(req: RecordedRequest): string {
  const b = req.body ?? {};
  if (typeof b.prompt === 'string') return b.prompt;
  const msgs = (b.messages as { role: string; content: unknown }[] | undefined) ?? [];
  const user = [...msgs].reverse().find((m) => m.role === 'user');
  if (!user) return '';
  if (typeof user.content === 'string') return user.content;
  return (user.content as { text?: string }[]).map((c) => c.text ?? '').join('');
}

function apiOf(path: string): RecordedRequest['api'] {
  if (path.endsWith('/chat/completions')) return 'openai-chat';
  if (path.endsWith('/completions')) return 'openai-completion';
  if (path.endsWith('/messages')) return 'anthropic';
  return 'unknown';
}

function okBody(req: RecordedRequest, text: string, finishReason?: string, logprobs: unknown = null): unknown {
  const model = (req.body?.model as string | undefined) ?? 'test';
  const inTok = Math.max(1, Math.round(req.raw.length / 4));
  const outTok = Math.max(1, text.split(/\s+/).length);
  if (req.api === 'anthropic') {
    return {
      id: `msg_${req.n}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: finishReason ?? 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: inTok, output_tokens: outTok },
    };
  }
  const usage = { prompt_tokens: inTok, completion_tokens: outTok, total_tokens: inTok + outTok };
  if (req.api === 'openai-completion') {
    return {
      id: `cmpl-${req.n}`,
      object: 'text_completion',
      created: 0,
      model,
      choices: [{ index: 0, text, finish_reason: finishReason ?? 'stop', logprobs }],
      usage,
    };
  }
  return {
    id: `chatcmpl-${req.n}`,
    object: 'chat.completion',
    created: 0,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        finish_reason: finishReason ?? 'stop',
      },
    ],
    usage,
  };
}

export async function startModelServer(opts: ModelServerOptions = {}): Promise<ModelServer> {
  const queue: Behaviour[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const state: ModelServer = {
    url: '',
    openaiBaseUrl: '',
    anthropicBaseUrl: '',
    requests: [],
    count: 0,
    maxInFlight: 0,
    latencyMs: opts.latencyMs ?? 0,
    defaultBehaviour: { kind: 'ok' },
    enqueue: (...b) => queue.push(...b),
    prompts: () => state.requests.map(promptOf),
    reset: () => {
      queue.length = 0;
      state.requests.length = 0;
      state.count = 0;
      state.maxInFlight = 0;
    },
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
  const answer = opts.answer ?? (() => 'The answer is \\boxed{42}.');

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      state.count++;
      const path = (request.url ?? '').split('?')[0];
      const req: RecordedRequest = {
        n: state.count,
        method: request.method ?? '',
        path,
        api: apiOf(path),
        headers: request.headers,
        body,
        raw,
      };
      if (!opts.noRecord) state.requests.push(req);
      const b = queue.shift() ?? opts.script?.(req) ?? state.defaultBehaviour;
      if (b.kind === 'hang') return; // keep the socket open; close() destroys it
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      const send = () => {
        inFlight--;
        if (response.destroyed) return;
        const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
          const text = JSON.stringify(value);
          response.writeHead(status, {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(text)),
            ...headers,
          });
          response.end(text);
        };
        switch (b.kind) {
          case 'ok':
            return json(200, okBody(req, b.text ?? answer(req), b.finishReason, opts.logprobs?.(req) ?? null));
          case 'status': {
            const headers: Record<string, string> = {};
            if (b.retryAfter !== undefined) headers['retry-after'] = String(b.retryAfter);
            const type =
              b.status === 429 ? 'rate_limit_error' : b.status >= 500 ? 'api_error' : 'invalid_request_error';
            const value =
              b.body ??
              (req.api === 'anthropic'
                ? { type: 'error', error: { type, message: `status ${b.status}` } }
                : { error: { message: `status ${b.status}`, type, code: null } });
            return json(b.status, value, headers);
          }
          case 'malformed': {
            const text = b.body ?? '{"id": "chatcmpl-x", "choices": [ {"message": ';
            response.writeHead(200, { 'content-type': 'application/json' });
            return response.end(text);
          }
          case 'empty':
            return json(
              200,
              req.api === 'anthropic'
                ? { ...(okBody(req, '') as object), content: [] }
                : { ...(okBody(req, '') as object), choices: [] },
            );
          case 'refusal':
            if (req.api === 'anthropic') return json(200, okBody(req, '', 'refusal'));
            return json(200, okBody(req, '', 'content_filter'));
        }
      };
      const latency = ('latencyMs' in b ? b.latencyMs : undefined) ?? state.latencyMs;
      if (latency > 0) setTimeout(send, latency);
      else send();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.openaiBaseUrl = `${state.url}/v1`;
  state.anthropicBaseUrl = state.url;
  return state;
}
