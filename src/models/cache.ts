import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { canonicalJson, sha256 } from '../io/hash.js';

/** What is cached: the answer, never an error, never a key. */
export interface CachedCompletion {
  text: string;
  finishReason?: string;
  usage?: { inputTokens?: number; outputTokens?: number };
  /** Token log-probabilities, when they were asked for. */
  logprobs?: import('./providers.js').TokenLogprobs;
}

export function defaultCacheDir(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string {
  return env.HELDOUT_CACHE_DIR ? resolve(cwd, env.HELDOUT_CACHE_DIR) : resolve(cwd, '.heldout-cache/responses');
}

/**
 * The cache key: everything that changes the answer (provider, model, base URL, the prompt, sampling parameters
 * and the sample index), and nothing secret.
 */
export function cacheKey(parts: Record<string, unknown>): string {
  return sha256(canonicalJson({ v: 1, ...parts }));
}

/** Content-addressed disk cache: `<dir>/<ab>/<sha256>.json`. Writes go to a temp file and are renamed into place. */
export class ResponseCache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(key: string): CachedCompletion | undefined {
    let text: string;
    try {
      text = readFileSync(this.path(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as { completion?: CachedCompletion };
      return typeof entry.completion?.text === 'string' ? entry.completion : undefined;
    } catch {
      // A damaged entry is a miss; the next success overwrites it.
      return undefined;
    }
  }

  set(key: string, completion: CachedCompletion, meta: Record<string, unknown> = {}): void {
    const file = this.path(key);
    const dir = join(this.dir, key.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      writeFileSync(tmp, JSON.stringify({ ...meta, completion, at: new Date().toISOString() }));
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }
}
