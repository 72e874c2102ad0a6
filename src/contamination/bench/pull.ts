import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { HeldoutError } from '../../errors.js';
import { displayPath } from '../../io/files.js';
import { sha256 } from '../../io/hash.js';
import { permanentNetworkError } from '../net-errors.js';
import { loadBenchmarkSource } from './load.js';
import { benchCacheDir } from './locate.js';
import { type BenchmarkSource, KNOWN_BENCHMARKS, type KnownBenchmark } from './source.js';

/**
 * `heldout bench pull`: the public Parquet copies of the benchmarks from the Hugging Face hub, via its
 * Parquet listing (`/api/datasets/<repo>/parquet/<config>/<split>`), into the benchmark cache directory.
 * `HF_ENDPOINT` moves the hub (as in huggingface_hub); `HF_TOKEN` is sent if set and never stored.
 */

export interface HubDataset {
  repo: string;
  configs: string[];
  splits: string[];
  /** Where one (config, split) goes under the benchmark's cache directory. */
  file: (config: string, split: string) => string;
}

export const HUB_DATASETS: Record<KnownBenchmark, HubDataset> = {
  gsm8k: { repo: 'openai/gsm8k', configs: ['main'], splits: ['train', 'test'], file: (_c, s) => `${s}.parquet` },
  math: {
    repo: 'EleutherAI/hendrycks_math',
    configs: [
      'algebra',
      'counting_and_probability',
      'geometry',
      'intermediate_algebra',
      'number_theory',
      'prealgebra',
      'precalculus',
    ],
    splits: ['train', 'test'],
    file: (c, s) => `${s}/${c}.parquet`,
  },
  mmlu: { repo: 'cais/mmlu', configs: ['all'], splits: ['test', 'validation', 'dev'], file: (_c, s) => `${s}.parquet` },
  humaneval: {
    repo: 'openai/openai_humaneval',
    configs: ['openai_humaneval'],
    splits: ['test'],
    file: (_c, s) => `${s}.parquet`,
  },
};

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

export interface PullOptions {
  env?: NodeJS.ProcessEnv;
  benchDir?: string;
  timeoutMs?: number;
  /** A local copy (file or directory) to cache instead of downloading: for air-gapped machines and mirrors. */
  from?: string;
  onFile?: (e: { url: string; file: string; bytes: number }) => void;
}

export interface PullResult {
  name: KnownBenchmark;
  dir: string;
  files: { file: string; url: string; bytes: number; sha256: string }[];
  source: BenchmarkSource;
}

async function get(url: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'heldout' };
  if (env.HF_TOKEN) headers.authorization = `Bearer ${env.HF_TOKEN}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const fatal = permanentNetworkError(err);
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new HeldoutError(
      `cannot reach ${url}: ${fatal ? `${fatal.why} (${fatal.code})` : (cause ?? (err as Error).message)}`,
      {
        hint: 'check the network (or HF_ENDPOINT); offline, cache a local copy with `heldout bench pull <name> --from <dir>`, or use the offline pack (check uses it for names not pulled)',
      },
    );
  }
  if (!res.ok) {
    throw new HeldoutError(`${url}: HTTP ${res.status} ${res.statusText}`, {
      hint:
        res.status === 401 || res.status === 403
          ? 'the dataset may be gated: set HF_TOKEN'
          : 'offline, pass a local copy with --bench name=path',
    });
  }
  return res;
}

export async function pullBenchmark(name: string, opts: PullOptions = {}): Promise<PullResult> {
  if (!(KNOWN_BENCHMARKS as readonly string[]).includes(name)) {
    throw new HeldoutError(`unknown benchmark "${name}"`, { hint: `use one of ${KNOWN_BENCHMARKS.join(', ')}` });
  }
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const ds = HUB_DATASETS[name as KnownBenchmark];
  const endpoint = hubEndpoint(env);
  const root = opts.benchDir ?? benchCacheDir(env);
  const dir = join(root, name);
  const partial = join(root, `.${name}.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const files: PullResult['files'] = [];
  try {
    if (opts.from) {
      const from = resolve(opts.from);
      if (!existsSync(from)) throw new HeldoutError('local copy not found', { where: displayPath(from) });
      const isFile = statSync(from).isFile();
      cpSync(from, isFile ? join(partial, basename(from)) : partial, { recursive: true });
      for (const rel of readdirSync(partial, { recursive: true }) as string[]) {
        const file = join(partial, rel);
        if (!statSync(file).isFile()) continue;
        const buf = readFileSync(file);
        files.push({
          file: rel,
          url: `file://${join(isFile ? dirname(from) : from, isFile ? basename(from) : rel)}`,
          bytes: buf.length,
          sha256: sha256(buf),
        });
        opts.onFile?.({ url: files[files.length - 1].url, file: rel, bytes: buf.length });
      }
    }
    for (const config of opts.from ? [] : ds.configs) {
      for (const split of ds.splits) {
        const listUrl = `${endpoint}/api/datasets/${ds.repo}/parquet/${encodeURIComponent(config)}/${encodeURIComponent(split)}`;
        const listing = (await (await get(listUrl, env, timeoutMs)).json()) as unknown;
        if (!Array.isArray(listing) || listing.length === 0 || !listing.every((u) => typeof u === 'string')) {
          throw new HeldoutError(`unexpected answer from ${listUrl}`, { hint: 'expected a JSON list of Parquet URLs' });
        }
        for (const [k, url] of (listing as string[]).entries()) {
          let rel = ds.file(config, split);
          if (listing.length > 1) rel = rel.replace(/\.parquet$/, `-${String(k).padStart(5, '0')}.parquet`);
          const buf = Buffer.from(await (await get(url, env, timeoutMs)).arrayBuffer());
          const file = join(partial, rel);
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, buf);
          files.push({ file: rel, url, bytes: buf.length, sha256: sha256(buf) });
          opts.onFile?.({ url, file: rel, bytes: buf.length });
        }
      }
    }
    // Read it back before it replaces anything: a broken download must not shadow a good cache.
    try {
      await loadBenchmarkSource(`${name}=${partial}`);
    } catch (err) {
      throw opts.from ? blameLocalCopy(err, partial, resolve(opts.from)) : err;
    }
    writeFileSync(
      join(partial, 'SOURCE.json'),
      `${JSON.stringify({ name, ...(opts.from ? { from: resolve(opts.from) } : { repo: ds.repo, endpoint }), pulledAt: new Date().toISOString(), files }, null, 2)}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  const source = await loadBenchmarkSource(name, { benchDir: root });
  return { name: name as KnownBenchmark, dir, files, source };
}

/** A problem found in the temp copy is reported at the user's `--from` path, not at the cache's temp folder. */
function blameLocalCopy(err: unknown, partial: string, from: string): unknown {
  if (!(err instanceof HeldoutError)) return err;
  const origin = statSync(from).isFile() ? dirname(from) : from;
  const shown = origin === process.cwd() ? '.' : displayPath(origin);
  const swap = (text: string | undefined) =>
    [partial, displayPath(partial)]
      .reduce(
        (t, p) =>
          t
            .split(`${p}/`)
            .join(shown === '.' ? '' : `${shown}/`)
            .split(p)
            .join(shown),
        text ?? '',
      )
      .trim() || undefined;
  return new HeldoutError(swap(err.message) ?? err.message, {
    where: swap(err.where),
    hint: swap(err.hint),
    exitCode: err.exitCode,
    cause: err,
  });
}

export interface CachedBenchmark {
  name: string;
  dir: string;
  source?: BenchmarkSource;
  error?: string;
}

/** What `heldout bench list` shows: each directory in the cache, loaded (so counts and hashes are real). */
export async function listCachedBenchmarks(benchDir = benchCacheDir()): Promise<CachedBenchmark[]> {
  if (!existsSync(benchDir)) return [];
  const out: CachedBenchmark[] = [];
  for (const e of readdirSync(benchDir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const dir = join(benchDir, e.name);
    try {
      out.push({ name: e.name, dir, source: await loadBenchmarkSource(e.name, { benchDir }) });
    } catch (err) {
      out.push({ name: e.name, dir, error: (err as Error).message });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function describeBenchDir(benchDir = benchCacheDir()): string {
  return displayPath(benchDir);
}
