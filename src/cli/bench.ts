import type { Command } from 'commander';
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
      const { pullBenchmark } = await import('../contamination/pull.js');
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
    .command('list')
    .description('show the cached benchmarks: name, split, items, hash')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { listCachedBenchmarks } = await import('../contamination/pull.js');
      const { benchCacheDir, howToGetBenchmarks } = await import('../contamination/benchmarks.js');
      const dir = benchCacheDir();
      const cached = await listCachedBenchmarks(dir);
      if (opts.json) {
        printJson({
          dir,
          benchmarks: cached.map((c) => ({
            name: c.name,
            dir: c.dir,
            error: c.error,
            format: c.source?.name,
            hash: c.source?.hash,
            items: c.source?.items.length,
            splits: c.source?.files.map((f) => ({ split: f.split, file: f.path, items: f.items, sha256: f.sha256 })),
          })),
        });
        return;
      }
      if (cached.length === 0) {
        process.stdout.write(`no benchmarks cached in ${dir}; ${howToGetBenchmarks()}\n`);
        return;
      }
      const rows: string[][] = [];
      for (const c of cached) {
        if (!c.source) {
          rows.push([c.name, '-', '-', `error: ${c.error}`]);
          continue;
        }
        const bySplit = new Map<string, number>();
        for (const f of c.source.files) bySplit.set(f.split, (bySplit.get(f.split) ?? 0) + f.items);
        for (const [split, n] of bySplit) rows.push([c.name, split, String(n), c.source.hash.slice(0, 19)]);
      }
      process.stdout.write(`${dir}\n${table(rows, ['name', 'split', 'items', 'hash'])}\n`);
    });
}
