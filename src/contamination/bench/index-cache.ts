import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sha256 } from '../../io/hash.js';
import {
  deserializeIndex,
  INDEX_VERSION,
  type IndexSpec,
  indexFileParts,
  type NgramIndex,
  specId,
} from './ngram-index.js';

/** `$HELDOUT_CACHE_DIR/index`, else `.heldout-cache/index` under the working directory. */
export function indexCacheDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return join(env.HELDOUT_CACHE_DIR ? resolve(cwd, env.HELDOUT_CACHE_DIR) : resolve(cwd, '.heldout-cache'), 'index');
}

export function indexFileName(sourceHash: string, spec: IndexSpec): string {
  return `${sha256(`${INDEX_VERSION}\0${sourceHash}\0${specId(spec)}`).slice(0, 32)}.idx`;
}

export interface CachedIndex {
  index: NgramIndex;
  /** `hit`: loaded from disk; `built`: built now (and written unless caching is off). */
  status: 'hit' | 'built';
  file?: string;
  /** Why an existing cache file was rejected. */
  rejected?: string;
  ms: number;
}

/**
 * One index per (source hash, rule spec). A cache file that fails validation is rebuilt, never trusted;
 * writes go to a temporary file first so a crash leaves no half-written index.
 */
export function loadOrBuildIndex(
  expected: { spec: IndexSpec; sourceHash: string; itemCount: number },
  build: () => NgramIndex,
  opts: { cacheDir?: string; cache?: boolean } = {},
): CachedIndex {
  const t0 = performance.now();
  const useCache = opts.cache !== false;
  const dir = opts.cacheDir ?? indexCacheDir();
  const file = join(dir, indexFileName(expected.sourceHash, expected.spec));
  let rejected: string | undefined;
  if (useCache) {
    let buf: Buffer | undefined;
    try {
      buf = readFileSync(file);
    } catch {
      buf = undefined;
    }
    if (buf) {
      const got = deserializeIndex(buf, expected);
      if (!('invalid' in got)) return { index: got, status: 'hit', file, ms: performance.now() - t0 };
      rejected = got.invalid;
    }
  }
  const index = build();
  if (useCache) {
    try {
      mkdirSync(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        // The parts are views of the index: nothing is copied into one 14 MB buffer first.
        for (const part of indexFileParts(index)) {
          for (let at = 0; at < part.length; ) at += writeSync(fd, part, at);
        }
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch (err) {
      // A read-only cache is not fatal: the check still runs, only slower next time.
      process.stderr.write(`heldout: warning: cannot cache the index in ${dir}: ${(err as Error).message}\n`);
      rmSync(`${file}.${process.pid}.tmp`, { force: true });
    }
  }
  return { index, status: 'built', file: useCache ? file : undefined, rejected, ms: performance.now() - t0 };
}

/**
 * A source's language, cached next to its indexes (detecting it means running tinyld on a sample of items,
 * which costs more than loading all the indexes).
 */
export function cachedSourceLanguage(
  sourceHash: string,
  compute: () => string | undefined,
  opts: { cacheDir?: string; cache?: boolean } = {},
): string | undefined {
  const file = join(
    opts.cacheDir ?? indexCacheDir(),
    `${sha256(`lang\0${INDEX_VERSION}\0${sourceHash}`).slice(0, 32)}.json`,
  );
  if (opts.cache !== false) {
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as { sourceHash?: string; language?: string | null };
      if (v.sourceHash === sourceHash && (typeof v.language === 'string' || v.language === null)) {
        return v.language ?? undefined;
      }
    } catch {
      // not cached yet, or unreadable: compute it
    }
  }
  const language = compute();
  if (opts.cache !== false) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ sourceHash, language: language ?? null }));
    } catch {
      // not fatal
    }
  }
  return language;
}
