import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { HeldoutError } from '../../errors.js';
import { displayPath } from '../../io/files.js';
import { packHas } from './pack.js';
import { isKnownName, KNOWN_BENCHMARKS, type KnownBenchmark, type LoadBenchmarkOptions } from './source.js';

/**
 * Where a benchmark spec (`gsm8k`, `label=path`, a file or a folder) points: a path, the `bench pull` cache, or
 * the offline pack; and which data files a folder holds.
 */

const DATA_EXTS = new Set(['.jsonl', '.ndjson', '.csv', '.parquet']);

export function benchCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HELDOUT_BENCH_DIR ? resolve(env.HELDOUT_BENCH_DIR) : join(homedir(), '.cache', 'heldout', 'benchmarks');
}

export function howToGetBenchmarks(): string {
  return 'download one with `heldout bench pull gsm8k` (also math, mmlu, humaneval), cache a local copy with `heldout bench pull gsm8k --from path/to/gsm8k`, or pass one with `--bench gsm8k=path/to/gsm8k`';
}

/**
 * The benchmarks to use when none is named: each known benchmark from the `bench pull` cache when it is there,
 * else from the offline pack that ships with heldout.
 */
export function defaultBenchmarkSpecs(opts: Pick<LoadBenchmarkOptions, 'benchDir' | 'packDir'> = {}): string[] {
  const dir = opts.benchDir ?? benchCacheDir();
  return KNOWN_BENCHMARKS.filter(
    (n) => existsSync(join(dir, n)) || (opts.packDir !== false && packHas(n, opts.packDir || undefined)),
  );
}

/** Splits `label=path`; a bare spec has no label. Windows drive letters are not labels. */
export function parseBenchSpec(spec: string): { label?: string; target: string } {
  const eq = spec.indexOf('=');
  if (eq > 0 && !/[\\/]/.test(spec.slice(0, eq))) return { label: spec.slice(0, eq), target: spec.slice(eq + 1) };
  return { target: spec };
}

/** A path (given, or in the `bench pull` cache), or the name of a benchmark in the offline pack. */
export function resolveTarget(target: string, opts: LoadBenchmarkOptions): string | { pack: KnownBenchmark } {
  const cwd = opts.cwd ?? process.cwd();
  const asPath = resolve(cwd, target);
  const looksLikePath = /[\\/.]/.test(target) || existsSync(asPath);
  if (looksLikePath) {
    if (!existsSync(asPath)) {
      throw new HeldoutError(`benchmark not found`, { where: target, hint: howToGetBenchmarks() });
    }
    return asPath;
  }
  const dir = join(opts.benchDir ?? benchCacheDir(), target);
  if (!existsSync(dir)) {
    // Not pulled: the offline pack that ships with heldout has the test split of the four known benchmarks.
    if (
      opts.packDir !== false &&
      isKnownName(target) &&
      packHas(target.toLowerCase() as KnownBenchmark, opts.packDir)
    ) {
      return { pack: target.toLowerCase() as KnownBenchmark };
    }
    const known = (KNOWN_BENCHMARKS as readonly string[]).includes(target);
    throw new HeldoutError(`benchmark "${target}" is not in the cache (${displayPath(dir)})`, {
      hint: known
        ? `run \`heldout bench pull ${target}\`, or pass a local copy with \`--bench ${target}=path/to/${target}\``
        : `use one of ${KNOWN_BENCHMARKS.join(', ')}, or a file or directory path; ${howToGetBenchmarks()}`,
    });
  }
  return dir;
}

export function listDataFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (DATA_EXTS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Item-id stem of a file relative to the source root: `test`, `test/abstract_algebra` (MMLU's `_test` dropped). */
export function relStem(root: string, file: string): string {
  const rel = relative(root, file).split(sep).join('/');
  let stem = rel.slice(0, rel.length - extname(rel).length);
  const parts = stem.split('/');
  if (parts.length >= 2) {
    const split = parts[0];
    const last = parts[parts.length - 1];
    if (last.endsWith(`_${split}`)) parts[parts.length - 1] = last.slice(0, -split.length - 1);
    stem = parts.join('/');
  }
  return stem;
}

/** The nearest ancestor directory named like a known benchmark, for labelling a bare file. */
export function knownAncestor(file: string): string | undefined {
  let d = dirname(file);
  for (let k = 0; k < 2; k++) {
    if (isKnownName(basename(d))) return d;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}
