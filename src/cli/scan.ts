import type { Command } from 'commander';
import { z } from 'zod';
import { ExitCode, HeldoutError } from '../errors.js';
import { addOptions, type OptionDefs, resolveOptions } from './options.js';
import { paint, printJson, table } from './output.js';
import { openProgressBar, throttle } from './progress-bar.js';

export const scanOptionDefs = {
  bench: {
    flags: '--bench <spec...>',
    description:
      'benchmarks to look for: gsm8k, math, mmlu, humaneval (pulled, else the offline pack), a file, a directory, or label=path (default: all four)',
    schema: z.array(z.string()).default([]),
  },
  exam: {
    flags: '--exam <dir...>',
    description: "also look for an exam's questions (its units, labelled by exam id)",
    schema: z.array(z.string()).default([]),
  },
  corpus: {
    flags: '--corpus <file|dir|glob...>',
    description:
      'corpus shards: .jsonl/.ndjson (one JSON document per line) or .txt (one document per line), also .gz/.zst',
    schema: z.array(z.string()).default([]),
  },
  field: {
    flags: '--field <name>',
    description: 'JSONL: the top-level field holding the document text',
    schema: z.string().min(1).default('text'),
  },
  format: {
    flags: '--format <format>',
    description: 'auto (by extension: .txt = text, else jsonl), jsonl or text',
    schema: z.enum(['auto', 'jsonl', 'text']).default('auto'),
  },
  rule: {
    flags: '--rule <rule>',
    description: 'contamination rule (gpt3-13gram: janitor normalisation, word n-grams)',
    schema: z.enum(['gpt3-13gram']).default('gpt3-13gram'),
  },
  n: { flags: '--n <n>', description: 'n-gram length', schema: z.number().int().min(1).max(64).default(13) },
  workers: {
    flags: '--workers <n>',
    description: 'worker threads (default: number of cores; 0 = scan in the main thread)',
    schema: z.number().int().min(0).max(256).optional(),
  },
  shard: {
    flags: '--shard <i/N>',
    description: 'scan only shard i of N (0-based) and write a partial result for `heldout scan merge`',
    schema: z.string().optional(),
  },
  benchField: {
    flags: '--bench-field <name>',
    description: 'for a generic benchmark file: the field holding the text',
    schema: z.string().optional(),
  },
  out: { flags: '--out <file>', description: 'write the result JSON here', schema: z.string().optional() },
  json: { flags: '--json', description: 'print the result JSON on stdout', schema: z.boolean().default(false) },
  exitZero: {
    flags: '--exit-zero',
    description: 'exit 0 even when contamination is found (batch jobs; read the result file)',
    schema: z.boolean().default(false),
  },
  progress: {
    flags: '--no-progress',
    description: 'no progress output on stderr',
    schema: z.boolean().default(true),
  },
} satisfies OptionDefs;

/** Bytes scanned: a bar on a terminal, a plain line every few seconds otherwise (CI logs). */
function progressReporter(enabled: boolean) {
  let started = Date.now();
  let total = 0;
  let done = 0;
  const bar = openProgressBar(
    process.stderr,
    'scan [{bar}] {percentage}% | {doneMB}/{totalMB} MB | {speed} MB/s | ETA {eta_formatted}',
  );
  const due = throttle(5000);
  const mb = (b: number) => (b / 1e6).toFixed(0);
  const rate = () => done / 1e6 / Math.max(0.001, (Date.now() - started) / 1000);
  return {
    async start(bytes: number) {
      total = bytes;
      started = Date.now();
      due();
      if (enabled) bar.start(total, { doneMB: '0', totalMB: mb(total), speed: '0' });
    },
    tick(bytes: number) {
      done += bytes;
      if (!enabled) return;
      if (bar.drawn) bar.update(done, { doneMB: mb(done), totalMB: mb(total), speed: rate().toFixed(0) });
      else if (due()) {
        const eta = rate() > 0 ? (total - done) / 1e6 / rate() : 0;
        bar.line(
          `scan: ${mb(done)}/${mb(total)} MB (${total ? ((done / total) * 100).toFixed(0) : 100}%), ${rate().toFixed(0)} MB/s, ETA ${eta.toFixed(0)} s`,
        );
      }
    },
    stop() {
      bar.stop();
      return { seconds: (Date.now() - started) / 1000, mbps: rate() };
    },
  };
}

type ScanResultJson = import('../contamination/scan/result.js').ScanOutput;

function printSummary(out: ScanResultJson, extra?: string): void {
  const rows = Object.entries(out.benchmarks).map(([label, b]) => [
    label,
    b.items,
    b.contaminatedItems,
    `${b.percent.toFixed(2)}%`,
    b.contaminated.reduce((s, m) => s + m.documents, 0),
  ]);
  process.stdout.write(`${table(rows, ['benchmark', 'items', 'contaminated', 'percent', 'document hits'])}\n`);
  const worst = Object.entries(out.benchmarks)
    .flatMap(([label, b]) => b.contaminated.map((m) => ({ label, m })))
    .sort((a, b) => b.m.coverage - a.m.coverage || b.m.documents - a.m.documents)
    .slice(0, 10);
  if (worst.length > 0) {
    process.stdout.write(`\n${paint.bold('most covered items')}\n`);
    for (const { m } of worst) {
      process.stdout.write(
        `  ${m.id}  ${(m.coverage * 100).toFixed(0)}% of ${m.tokens} tokens, ${m.documents} document(s), e.g. ${m.firstDocuments[0]}\n    ${paint.dim(`"${m.ngrams[0]?.text ?? ''}"`)}\n`,
      );
    }
  }
  const c = out.corpus;
  const problems = [
    c.badLines ? `${c.badLines} malformed line(s) skipped (first: ${c.firstBadLines[0]?.document})` : '',
    c.missingField ? `${c.missingField} document(s) without a string "${out.field}" (first: ${c.firstMissing[0]})` : '',
  ].filter(Boolean);
  process.stdout.write(
    `\n${c.files.length} file(s), ${(c.bytes / 1e6).toFixed(1)} MB, ${c.documents} document(s); ${out.documents.length} with a ${out.n}-gram match${extra ?? ''}\n`,
  );
  for (const p of problems) process.stdout.write(`${paint.yellow('warning')}: ${p}\n`);
}

async function writeResult(file: string, out: unknown): Promise<void> {
  // Written then renamed, so a watcher (the k8s merge step) never reads half a file.
  const { writeFileAtomic } = await import('../io/write-file.js');
  writeFileAtomic(file, `${JSON.stringify(out, null, 2)}\n`, { flag: '--out', example: 'scan.json' });
}

export function registerScanCommands(program: Command): void {
  const scan = program
    .command('scan')
    .description('scan training corpora (JSONL/text, .gz/.zst) for benchmark and exam n-grams, on all cores');
  // The scan itself is the default subcommand, so that its options (--out, --bench…) do not swallow those of
  // `scan merge` and `scan k8s`: `heldout scan --bench … --corpus …` runs it.
  const run = scan
    .command('run', { isDefault: true })
    .description('scan corpus files (the default: `heldout scan --bench gsm8k --corpus "shards/*.jsonl.zst"`)');
  addOptions(run, scanOptionDefs);
  run.action(async (_opts: unknown, cmd: Command) => {
    const o = resolveOptions(cmd, scanOptionDefs);
    if (o.corpus.length === 0) throw new HeldoutError('no corpus given', { hint: 'pass --corpus <file|dir|glob>' });
    const { scanCorpus } = await import('../contamination/scan/scan.js');
    const { parseShard } = await import('../contamination/scan/corpus.js');
    const { scanSources, scanContaminated } = await import('../contamination/scan/sources.js');
    const sources = await scanSources({ bench: o.bench, exam: o.exam, benchField: o.benchField });
    const progress = await progressReporter(o.progress);
    const out = await scanCorpus({
      sources,
      corpus: o.corpus,
      field: o.field,
      n: o.n,
      rule: o.rule,
      workers: o.workers,
      shard: o.shard ? parseShard(o.shard) : undefined,
      format: o.format === 'auto' ? undefined : o.format,
      onStart: (info) => {
        if (o.progress) {
          process.stderr.write(
            `scan: ${info.files.length} file(s), ${(info.bytes / 1e6).toFixed(1)} MB, ${info.ngrams} distinct ${o.n}-grams, ${info.workers} worker(s)\n`,
          );
        }
        void progress.start(info.bytes);
      },
      onProgress: (b) => progress.tick(b),
    });
    const t = progress.stop();
    if (o.out) await writeResult(o.out, out);
    if (o.json) printJson(out);
    else {
      printSummary(out, `; ${t.seconds.toFixed(1)} s, ${t.mbps.toFixed(0)} MB/s${o.out ? `; wrote ${o.out}` : ''}`);
      if (out.shard) {
        process.stdout.write(
          `partial result (shard ${out.shard.index}/${out.shard.count}): combine with \`heldout scan merge\`\n`,
        );
      }
    }
    process.exitCode = scanContaminated(out) && !o.exitZero ? ExitCode.Contaminated : ExitCode.Ok;
  });

  scan
    .command('merge')
    .description('combine the partial results of `heldout scan --shard i/N` into the result of one scan')
    .argument('<part...>', 'partial result files (part-*.json)')
    .option('--out <file>', 'write the merged result JSON here')
    .option('--json', 'print the merged result JSON on stdout')
    .option('--exit-zero', 'exit 0 even when contamination is found')
    .action(async (files: string[], opts: { out?: string; json?: boolean; exitZero?: boolean }) => {
      const { mergeScans, readScanPart } = await import('../contamination/scan/result.js');
      const { scanContaminated } = await import('../contamination/scan/sources.js');
      const parts = files.map((file) => ({ file, out: readScanPart(file) }));
      const merged = mergeScans(parts);
      if (opts.out) await writeResult(opts.out, merged);
      if (opts.json) printJson(merged);
      else printSummary(merged, opts.out ? `; wrote ${opts.out}` : '');
      process.exitCode = scanContaminated(merged) && !opts.exitZero ? ExitCode.Contaminated : ExitCode.Ok;
    });

  scan
    .command('k8s')
    .description('print a Kubernetes Indexed Job that scans N shards in parallel, plus the merge Job')
    .requiredOption('--shards <n>', 'number of shards (pods)')
    .requiredOption('--image <image>', 'container image with heldout installed (entrypoint not used)')
    .requiredOption('--corpus-uri <uri>', 'pvc://<claim>/<glob>, nfs://<server>/<path>/<glob> or host:///<path>/<glob>')
    .requiredOption('--results-uri <uri>', 'pvc://<claim>/<dir> (ReadWriteMany) for the part files and result.json')
    .option(
      '--bench <spec...>',
      'benchmarks, as paths inside the image or on a volume (default: all four, from the pack)',
      [],
    )
    .option('--exam <dir...>', 'exam directories inside the image', [])
    .option('--field <name>', 'JSONL text field', 'text')
    .option('--n <n>', 'n-gram length', '13')
    .option('--name <name>', 'Job name prefix', 'heldout-scan')
    .option('--namespace <ns>', 'namespace')
    .option('--cpu <n>', 'CPUs per pod (= worker threads)', '4')
    .option('--memory <size>', 'memory per pod', '4Gi')
    .option('--heldout <cmd>', 'command that runs heldout in the image', 'heldout')
    .action(async (opts: Record<string, string | string[] | undefined>) => {
      const { k8sManifest } = await import('../contamination/scan/k8s.js');
      process.stdout.write(
        k8sManifest({
          shards: Number(opts.shards),
          image: String(opts.image),
          corpusUri: String(opts.corpusUri),
          resultsUri: opts.resultsUri as string | undefined,
          bench: opts.bench as string[],
          exam: opts.exam as string[],
          field: String(opts.field),
          n: Number(opts.n),
          name: String(opts.name),
          namespace: opts.namespace as string | undefined,
          cpu: Number(opts.cpu),
          memory: String(opts.memory),
          heldout: String(opts.heldout),
        }),
      );
    });

  program
    .command('infini-gram')
    .description('count how often each n-gram of the items occurs in a huge corpus, via the infini-gram API')
    .argument('[exam-dir]', 'exam whose units to look up')
    .requiredOption(
      '--index <name>',
      'infini-gram index, e.g. v4_piletrain_llama, v4_rpj_llama_s4, v4_dolma-v1_7_llama',
    )
    .option('--items <file>', 'look up the texts in a .jsonl or .csv file instead (with --field)')
    .option('--field <name>', 'with --items: the field or column holding the text', 'text')
    .option('--id-field <name>', 'with --items: the field holding ids (default: id, else file:line)', 'id')
    .option('--bench <spec...>', 'look up benchmark items (gsm8k, a path, label=path)')
    .option('--endpoint <url>', 'API endpoint', 'https://api.infini-gram.io/')
    .option('--n <n>', 'words per query', '13')
    .option('--stride <k>', 'words between query starts (default: n, non-overlapping)')
    .option('--max-queries <k>', 'at most this many queries per item', '20')
    .option('--concurrency <k>', 'requests in flight', '2')
    .option('--min-interval <ms>', 'minimum time between request starts', '250')
    .option('--retries <k>', 'retries per request (backoff doubles from 0.5 s, capped at 30 s)', '5')
    .option('--cache-dir <dir>', 'where answers are cached', '.heldout-cache/infini-gram')
    .option('--no-cache', 'do not read or write the cache')
    .option('--json', 'print the full result as JSON')
    .option('--exit-zero', 'exit 0 even when n-grams are found')
    .action(async (examDir: string | undefined, o: Record<string, string | string[] | boolean | undefined>) => {
      const { infiniGramItems } = await import('../contamination/scan/infinigram-items.js');
      const items = await infiniGramItems({
        examDir,
        itemsFile: typeof o.items === 'string' ? o.items : undefined,
        field: String(o.field),
        idField: String(o.idField),
        bench: Array.isArray(o.bench) ? o.bench : undefined,
      });
      const num = (k: string, min: number) => {
        const v = Number(o[k]);
        const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        if (!Number.isInteger(v) || v < min) throw new HeldoutError(`${flag} ${o[k]}: use a whole number ≥ ${min}`);
        return v;
      };
      const { countNgrams } = await import('../contamination/scan/infinigram.js');
      const res = await countNgrams(items, {
        index: String(o.index),
        endpoint: String(o.endpoint),
        n: num('n', 1),
        stride: o.stride === undefined ? undefined : num('stride', 1),
        maxQueriesPerItem: num('maxQueries', 1),
        concurrency: num('concurrency', 1),
        minIntervalMs: num('minInterval', 0),
        retries: num('retries', 0),
        cacheDir: o.cache === false ? undefined : String(o.cacheDir),
        onProgress: (done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\rinfini-gram: ${done}/${total} queries`);
        },
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      if (o.json) printJson(res);
      else {
        const rows = res.items.map((it) => [
          it.id,
          it.ngrams.length,
          it.found,
          it.maxCount,
          it.ngrams.some((g) => g.approx) ? 'yes' : '',
        ]);
        process.stdout.write(`${table(rows, ['item', `${res.n}-grams asked`, 'found', 'max count', 'approx'])}\n`);
        const hit = res.items.filter((i) => i.found > 0).length;
        process.stdout.write(
          `\n${hit} of ${res.items.length} item(s) have an n-gram in ${res.index}; ${res.requests} request(s), ${res.cacheHits} from cache\n`,
        );
      }
      const found = res.items.some((i) => i.found > 0);
      process.exitCode = found && !o.exitZero ? ExitCode.Contaminated : ExitCode.Ok;
    });
}
