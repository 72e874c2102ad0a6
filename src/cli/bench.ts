import type { Command } from 'commander';
import type { CachedBenchmark } from '../contamination/bench/pull.js';
import { printJson, table } from './output.js';

export function registerBenchCommands(program: Command): void {
  const bench = program
    .command('bench')
    .description('public benchmarks for the contamination check: download (pull) and list the cache');

  bench
    .command('pull')
    .description('download the public Parquet copy of a benchmark from the Hugging Face hub into the cache')
    .argument('<name...>', 'gsm8k, math, mmlu or humaneval')
    .option('--from <path>', 'cache a local copy (file or directory) instead of downloading: offline machines, mirrors')
    .addHelpText(
      'after',
      `
The cache is $HELDOUT_BENCH_DIR (default ~/.cache/heldout/benchmarks). HF_ENDPOINT points at another hub
(a mirror); HF_TOKEN is sent when set. Offline, cache a local copy once (\`heldout bench pull gsm8k --from path/to/gsm8k\`), or pass it each time:
--bench gsm8k=path/to/gsm8k.`,
    )
    .action(async (names: string[], opts: { from?: string }) => {
      const { pullBenchmark } = await import('../contamination/bench/pull.js');
      const { HeldoutError } = await import('../errors.js');
      if (opts.from && names.length > 1) throw new HeldoutError('--from caches one benchmark at a time');
      for (const name of names) {
        const res = await pullBenchmark(name, {
          from: opts.from,
          onFile: (e) => process.stderr.write(`  ${name}/${e.file} ${(e.bytes / 1e6).toFixed(1)} MB\n`),
        });
        const s = res.source;
        process.stdout.write(
          `pulled ${name}: ${s.items.length} items (${s.splits.join(', ')}) into ${res.dir}, ${s.hash.slice(0, 19)}…\n`,
        );
      }
    });

  bench
    .command('pack')
    .description(
      'build the offline benchmark pack (test splits of gsm8k, math, mmlu, humaneval; brotli JSONL, licences, sha256)',
    )
    .option('--from <dir>', 'a folder holding gsm8k/, math/, mmlu/, humaneval/ (default: the `bench pull` cache)')
    .option('--out <dir>', 'where to write the pack', 'data/benchmark-pack')
    .addHelpText(
      'after',
      `
The same input gives the same bytes. check, scan and demo use the pack shipped with heldout when a benchmark is
neither given with --bench nor pulled into the cache.

Example:
  heldout bench pack --from ../shared/benchmarks --out data/benchmark-pack`,
    )
    .action(async (opts: { from?: string; out: string }) => {
      const { existsSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { buildPack } = await import('../contamination/bench/build-pack.js');
      const { PACK_BENCHMARKS } = await import('../contamination/bench/pack.js');
      const { benchCacheDir } = await import('../contamination/bench/locate.js');
      const { HeldoutError } = await import('../errors.js');
      const root = opts.from ?? benchCacheDir();
      if (!existsSync(root)) throw new HeldoutError('no such folder', { where: opts.from ?? root });
      const from = Object.fromEntries(
        PACK_BENCHMARKS.filter((n) => existsSync(join(root, n))).map((n) => [n, join(root, n)]),
      );
      const manifest = await buildPack({
        from,
        out: opts.out,
        onBenchmark: (e) =>
          process.stderr.write(
            `  ${e.name}: ${e.records} records, ${(e.bytes / 1e6).toFixed(2)} MB, sha256 ${e.sha256.slice(0, 12)}…\n`,
          ),
      });
      const total = manifest.benchmarks.reduce((s, b) => s + b.bytes, 0);
      process.stdout.write(
        `packed ${manifest.benchmarks.map((b) => b.name).join(', ')} into ${opts.out} (${(total / 1e6).toFixed(2)} MB)\n`,
      );
    });

  bench
    .command('list')
    .description('show the benchmarks check uses by name: where each comes from (cache, pack), splits, items, hash')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { listCachedBenchmarks } = await import('../contamination/bench/pull.js');
      const { benchCacheDir } = await import('../contamination/bench/locate.js');
      const { KNOWN_BENCHMARKS } = await import('../contamination/bench/source.js');
      const { activePackDir, loadPackSource, packHas } = await import('../contamination/bench/pack.js');
      const packDir = activePackDir() ?? 'none';
      const dir = benchCacheDir();
      const cached = await listCachedBenchmarks(dir);
      // A name resolves to the cache first; the four known ones fall back to the pack shipped with heldout.
      const all: (CachedBenchmark & { origin: 'cache' | 'pack' })[] = cached.map((c) => ({ ...c, origin: 'cache' }));
      for (const name of KNOWN_BENCHMARKS) {
        if (cached.some((c) => c.name === name) || !packHas(name)) continue;
        all.push({ name, dir: packDir, source: loadPackSource(name), origin: 'pack' });
      }
      all.sort((a, b) => (a.name < b.name ? -1 : 1));
      if (opts.json) {
        printJson({
          dir,
          pack: packDir,
          benchmarks: all.map((c) => ({
            name: c.name,
            origin: c.origin,
            dir: c.dir,
            error: c.error,
            format: c.source?.name,
            hash: c.source?.hash,
            items: c.source?.items.length,
            duplicates: c.source?.duplicates,
            splits: c.source?.files.map((f) => ({ split: f.split, file: f.path, items: f.items, sha256: f.sha256 })),
          })),
        });
        return;
      }
      const rows: string[][] = [];
      for (const c of all) {
        if (!c.source) {
          rows.push([c.name, c.origin, '-', '-', `error: ${c.error}`]);
          continue;
        }
        const bySplit = new Map<string, number>();
        for (const f of c.source.files) bySplit.set(f.split, (bySplit.get(f.split) ?? 0) + f.items);
        for (const [split, n] of bySplit) rows.push([c.name, c.origin, split, String(n), c.source.hash.slice(0, 19)]);
      }
      process.stdout.write(
        `cache: ${dir}\npack:  ${packDir}\n${table(rows, ['name', 'from', 'split', 'items', 'hash'])}\n`,
      );
      const dups = all.flatMap((c) => (c.source?.duplicates ?? []).map((d) => `${c.name}: ${d.count} in ${d.file}`));
      if (dups.length) process.stdout.write(`not counted twice (same text in a larger split): ${dups.join('; ')}\n`);
    });
}
