import { HeldoutError } from '../errors.js';
import { splitModelLabel } from '../store/records.js';

export { splitModelLabel };

import type { HeldoutConfig, ModelConfig } from './config.js';

export const providers = ['openai', 'xai', 'ollama', 'vllm', 'openai-compatible', 'anthropic', 'replay'] as const;
export type Provider = (typeof providers)[number];

/** Which client library speaks to the provider. */
export type ProviderApi = 'openai' | 'anthropic' | 'replay';

export interface ResolvedModel {
  /** The spec as the user gave it (a config name or `provider:model`, maybe `Label=`-prefixed). Records are keyed by it. */
  spec: string;
  /** The name shown for the model in reports: the `Label` of `Label=spec`. */
  label?: string;
  provider: Provider;
  api: ProviderApi;
  /** The model name sent to the API, or the answer file for replay. */
  model: string;
  baseUrl?: string;
  /** Environment variable with the key; undefined when the server needs none. */
  apiKeyEnv?: string;
  prices?: { input: number; output: number };
  concurrency?: number;
  mode: 'chat' | 'completion';
  /** Takes image inputs: from the config, else known vision models (see takesImages). */
  images: boolean;
}

/**
 * Models known to take images through the official APIs' image inputs. Anything else gets figures as alt text;
 * `images: true|false` in heldout.config.yaml overrides this.
 */
export function takesImages(api: ProviderApi, model: string): boolean {
  if (api === 'anthropic') return /^claude-/i.test(model);
  if (api === 'openai') return /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4-turbo|gpt-5|o1(?!-mini)|o3|o4)/i.test(model);
  return false;
}

interface ProviderInfo {
  api: ProviderApi;
  baseUrl?: string;
  /** The base URL may also come from this variable (the SDK's own convention). */
  baseUrlEnv?: string;
  keyEnv?: string;
  /** Needs a --base-url. */
  needsBaseUrl?: boolean;
  concurrency: number;
}

const INFO: Record<Provider, ProviderInfo> = {
  openai: { api: 'openai', baseUrlEnv: 'OPENAI_BASE_URL', keyEnv: 'OPENAI_API_KEY', concurrency: 8 },
  xai: { api: 'openai', baseUrl: 'https://api.x.ai/v1', keyEnv: 'XAI_API_KEY', concurrency: 8 },
  ollama: { api: 'openai', baseUrl: 'http://localhost:11434/v1', concurrency: 2 },
  vllm: { api: 'openai', needsBaseUrl: true, concurrency: 16 },
  'openai-compatible': { api: 'openai', needsBaseUrl: true, concurrency: 8 },
  anthropic: { api: 'anthropic', baseUrlEnv: 'ANTHROPIC_BASE_URL', keyEnv: 'ANTHROPIC_API_KEY', concurrency: 4 },
  replay: { api: 'replay', concurrency: 64 },
};

export function defaultConcurrency(provider: Provider): number {
  return INFO[provider].concurrency;
}

export interface ResolveOptions {
  config?: Pick<HeldoutConfig, 'models'>;
  baseUrl?: string;
  mode?: 'chat' | 'completion';
  env?: Record<string, string | undefined>;
  /** The flag the spec came from, for error messages (`--model`, `--judge`, `--confirm`). */
  flag?: string;
}

/**
 * Turns `openai:gpt-4o`, `ollama:llama3.1:8b`, `replay:answers.csv` or a name from `heldout.config.yaml` into what
 * the caller needs. The model part may itself contain colons; only the first one splits.
 */
export function resolveModelSpec(given: string, opts: ResolveOptions = {}): ResolvedModel {
  const env = opts.env ?? process.env;
  const { label, spec } = splitModelLabel(given);
  const named: ModelConfig | undefined = opts.config?.models?.[spec];
  const raw = named ? named.spec : spec;
  const colon = raw.indexOf(':');
  const prefix = colon > 0 ? raw.slice(0, colon) : '';
  const model = colon > 0 ? raw.slice(colon + 1) : '';
  if (!(providers as readonly string[]).includes(prefix) || !model) {
    throw new HeldoutError(`unknown model "${spec}"`, {
      where: named ? 'heldout.config.yaml' : (opts.flag ?? '--model'),
      hint: `use provider:model with a provider among ${providers.join(', ')}${
        opts.config?.models && Object.keys(opts.config.models).length
          ? `, or a name from heldout.config.yaml (${Object.keys(opts.config.models).join(', ')})`
          : ', or define the name under models: in heldout.config.yaml'
      }`,
    });
  }
  const provider = prefix as Provider;
  const info = INFO[provider];
  const baseUrl =
    opts.baseUrl ?? named?.baseUrl ?? (info.baseUrlEnv ? env[info.baseUrlEnv] : undefined) ?? info.baseUrl;
  if (info.needsBaseUrl && !baseUrl) {
    throw new HeldoutError(`${provider}: needs the server's address (--base-url)`, {
      where: spec,
      hint: 'pass --base-url http://host:port/v1, or set baseUrl for this model in heldout.config.yaml',
    });
  }
  const mode = opts.mode ?? named?.mode ?? 'chat';
  if (mode === 'completion' && info.api === 'anthropic') {
    throw new HeldoutError('anthropic has no completion (base model) mode', {
      where: spec,
      hint: 'use --mode chat, or a base model served by vLLM/ollama/openai-compatible',
    });
  }
  return {
    spec: given,
    ...(label ? { label } : {}),
    provider,
    api: info.api,
    model,
    baseUrl: info.api === 'replay' ? undefined : baseUrl,
    apiKeyEnv: named?.apiKeyEnv ?? info.keyEnv,
    prices: named?.prices,
    concurrency: named?.concurrency,
    mode,
    images: mode === 'chat' && (named?.images ?? takesImages(info.api, model)),
  };
}
