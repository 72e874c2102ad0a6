import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type BenchmarkSource, loadBenchmarkSource } from '../contamination/benchmarks.js';
import { HeldoutError } from '../errors.js';
import { loadExam } from '../exam/load.js';
import { examHash, examQuestions, questionPromptText } from '../exam/model.js';
import { displayPath } from '../io/files.js';
import { JsonlWriter } from '../io/jsonl.js';
import type { HeldoutConfig } from '../models/config.js';
import { type OpenModelOptions, openModel } from '../models/index.js';
import { type RunEvent, retryEvent } from '../run/events.js';
import { runPools } from '../run/pool.js';
import { isRunDir, loadRunManifest } from '../store/run.js';
import { analyseProbes, type MemorisationFindings } from './analyse.js';
import { runTask } from './ask.js';
import { mmluQuestions } from './mmlu.js';
import {
  type CostEstimate,
  datasetName,
  estimateCost,
  itemSplits,
  type ProbeSet,
  planTasks,
  sampleItems,
} from './plan.js';
import { loadTemplates } from './prompts.js';
import {
  hasProbe,
  PROBE_FORMAT,
  PROBES_FILE,
  type ProbeKind,
  type ProbeManifest,
  type ProbeParams,
  type ProbeRecord,
  readProbeManifest,
  readProbeRecords,
  writeProbeManifest,
} from './records.js';

export type ProbeEvent = RunEvent | { type: 'estimate'; estimate: CostEstimate } | { type: 'budget'; spent: number };

export interface ProbeOptions {
  /** The run directory the results go into (a `heldout run` directory, or a new one). */
  out: string;
  models?: string[];
  /** Benchmark specs, as for `heldout check`: `gsm8k`, `mmlu=path/to/mmlu`. */
  benches?: string[];
  /** The held-out exam: the control. Default: the run's exam when `out` is a run directory. */
  control?: string;
  n?: number;
  seed?: number;
  probes?: ProbeKind[];
  /** Sample only this split (default `test` when the benchmark has one, else every split). */
  split?: string;
  templatesDir?: string;
  alpha?: number;
  k?: number;
  topLogprobs?: number;
  resume?: boolean;
  retryFailed?: boolean;
  /** Refuse to start above this estimate, and stop scheduling once the spend reaches it (US dollars). */
  maxCost?: number;
  /** Shown the estimate before anything is written; false cancels. */
  confirm?: (estimate: CostEstimate) => boolean | Promise<boolean>;
  config?: HeldoutConfig;
  baseUrl?: string;
  concurrency?: number;
  timeoutMs?: number;
  noCache?: boolean;
  cacheDir?: string;
  benchDir?: string;
  /** Where parsed benchmark files are cached (see loadBenchmarkSource); false: never. */
  itemCacheDir?: string | false;
  env?: Record<string, string | undefined>;
  modelOptions?: Partial<OpenModelOptions>;
  stop?: AbortSignal;
  abort?: AbortSignal;
  graceMs?: number;
  onEvent?: (e: ProbeEvent) => void;
  cwd?: string;
}

export interface ProbeResult {
  dir: string;
  manifest: ProbeManifest;
  findings: MemorisationFindings;
  estimate: CostEstimate;
  planned: number;
  done: number;
  todo: number;
  failed: number;
  interrupted: boolean;
  /** The spend limit stopped the probe early. */
  overBudget: boolean;
  spent?: number;
}

export const DEFAULT_PROBE_PARAMS = { n: 100, seed: 1, temperature: 0, alpha: 0.05, k: 0.2, topLogprobs: 5 };

/** Runs the memorisation probes (or finishes them), one record per call in `probes.jsonl`. */
export async function runProbes(opts: ProbeOptions): Promise<ProbeResult> {
  const cwd = opts.cwd ?? process.cwd();
  const emit = opts.onEvent ?? (() => {});
  const dir = resolve(cwd, opts.out);
  const previous = hasProbe(dir) ? readProbeManifest(dir) : undefined;
  if (previous && !opts.resume) {
    throw new HeldoutError('this directory already holds probe results', {
      where: displayPath(dir),
      hint: `finish or extend them with \`heldout probe --resume --out ${displayPath(dir)}\``,
    });
  }
  if (opts.resume && !previous) {
    throw new HeldoutError('no probe to resume here (no probe.json)', {
      where: displayPath(dir),
      hint: 'start one with heldout probe --model <spec> --bench <name> --out <dir>',
    });
  }
  const run = isRunDir(dir) ? loadRunManifest(dir) : undefined;

  const params: ProbeParams = previous?.params ?? {
    seed: opts.seed ?? DEFAULT_PROBE_PARAMS.seed,
    n: opts.n ?? DEFAULT_PROBE_PARAMS.n,
    probes: opts.probes?.length ? [...new Set(opts.probes)] : ['guided', 'ts-guessing'],
    ...(opts.split ? { split: opts.split } : {}),
    temperature: DEFAULT_PROBE_PARAMS.temperature,
    k: opts.k ?? DEFAULT_PROBE_PARAMS.k,
    topLogprobs: opts.topLogprobs ?? DEFAULT_PROBE_PARAMS.topLogprobs,
    alpha: opts.alpha ?? DEFAULT_PROBE_PARAMS.alpha,
    templates: loadTemplates(opts.templatesDir ? resolve(cwd, opts.templatesDir) : undefined),
  };

  // Benchmarks: a resume reloads the recorded files and insists they are unchanged.
  const benchSpecs = previous ? previous.benchmarks.map((b) => `${b.label}=${b.path}`) : (opts.benches ?? []);
  if (!benchSpecs.length) {
    throw new HeldoutError('no benchmark to probe', {
      hint: 'add --bench gsm8k (or mmlu, math, humaneval, or a path)',
    });
  }
  const sources: BenchmarkSource[] = [];
  for (const spec of benchSpecs) {
    const src = await loadBenchmarkSource(spec, { cwd, benchDir: opts.benchDir, itemCacheDir: opts.itemCacheDir });
    const rec = previous?.benchmarks.find((b) => b.label === src.label);
    if (rec && rec.hash !== src.hash) {
      throw new HeldoutError(`benchmark "${src.label}" changed since the probe started (its files' hash differs)`, {
        where: displayPath(src.path),
        hint: 'start a new probe in another --out directory',
      });
    }
    sources.push(src);
  }

  // The control: the held-out exam.
  const controlDir = previous?.control
    ? (recordedPath(previous.control.dir, dir, cwd) ?? resolve(cwd, previous.control.dir))
    : opts.control
      ? resolve(cwd, opts.control)
      : run
        ? recordedPath(run.exam.dir, dir, cwd)
        : undefined;
  if (!controlDir && run && !opts.control) {
    throw new HeldoutError(`the run's exam directory "${run.exam.dir}" is not there`, {
      where: displayPath(join(dir, 'manifest.json')),
      hint: 'pass the held-out exam with --control <exam-dir>',
    });
  }
  if (!controlDir) {
    throw new HeldoutError('no control exam', {
      hint: 'pass --control <exam-dir>: the held-out exam is what a model cannot have memorised, so it is the baseline',
    });
  }
  const exam = loadExam(controlDir).exam;
  const hash = examHash(exam);
  if (previous?.control && previous.control.hash !== hash) {
    throw new HeldoutError('the control exam changed since the probe started', {
      where: displayPath(controlDir),
      hint: 'start a new probe in another --out directory',
    });
  }

  // Models: the recorded ones, plus any new; by default the run's.
  const specs = [
    ...new Set([
      ...(previous?.models.map((m) => m.spec) ?? []),
      ...(opts.models?.length ? opts.models : previous ? [] : (run?.models.map((m) => m.spec) ?? [])),
    ]),
  ];
  if (!specs.length) throw new HeldoutError('no model to probe', { hint: 'add --model <spec>' });
  const callers = specs.map((spec) =>
    openModel(spec, {
      config: opts.config,
      // A resume reaches the server the probe used, unless told otherwise.
      baseUrl: opts.baseUrl ?? previous?.models.find((m) => m.spec === spec)?.baseUrl,
      noCache: opts.noCache,
      cacheDir: opts.cacheDir,
      concurrency: opts.concurrency,
      timeoutMs: opts.timeoutMs,
      env: opts.env,
      ...opts.modelOptions,
      onRetry: (i) => emit(retryEvent(i)),
    }),
  );
  for (const c of callers) {
    if (c.resolved.api !== 'openai') {
      throw new HeldoutError(`${c.spec}: probes need an OpenAI-compatible or OpenAI model`, {
        hint: 'replay sheets cannot be probed; anthropic has no completions endpoint for Min-K%',
      });
    }
  }

  // The seeded sample, recorded so that a resume (or a later reader) asks exactly the same items.
  const sets: ProbeSet[] = [];
  const recordedBenches: ProbeManifest['benchmarks'] = [];
  for (const src of sources) {
    const mmlu = src.name === 'mmlu' && params.probes.includes('ts-guessing') ? await mmluQuestions(src) : undefined;
    const splits = itemSplits(src);
    const split = params.split ?? (src.splits.includes('test') ? 'test' : undefined);
    const ids =
      previous?.benchmarks.find((b) => b.label === src.label)?.items ??
      sampleItems(src, { n: params.n, seed: params.seed, split, mmlu });
    const byId = new Map(src.items.map((it) => [it.id, it]));
    const items = ids.flatMap((id) => {
      const it = byId.get(id);
      return it ? [{ id, text: it.text, split: splits.get(id) }] : [];
    });
    if (!items.length) {
      throw new HeldoutError(`benchmark "${src.label}" has no item to probe${split ? ` in split "${split}"` : ''}`, {
        where: displayPath(src.path),
        hint: `its splits: ${src.splits.join(', ')}; choose one with --split`,
      });
    }
    sets.push({ set: 'benchmark', source: src.label, dataset: datasetName(src), format: src.name, items, mmlu });
    recordedBenches.push({ label: src.label, name: datasetName(src), path: src.path, hash: src.hash, items: ids });
  }
  const controlItems = examQuestions(exam).map(({ question }) => ({
    id: question.id,
    // The question as printed, without the "(3 points)" marks: those are this exam's, not part of its text.
    text: questionPromptText(question).replace(/ \(\d+(?:\.\d+)? points?\)/g, ''),
    split: 'test',
  }));
  sets.push({ set: 'control', source: `exam:${exam.id}`, dataset: exam.title, format: 'exam', items: controlItems });

  const tasks = callers.flatMap((c) => planTasks(c, sets, params));
  // TS-Guessing is on by default; without MMLU it only deserves a word when the user asked for it.
  if (params.probes.includes('ts-guessing') && !sets.some((s) => s.mmlu) && opts.probes?.includes('ts-guessing')) {
    emit({ type: 'warning', message: 'TS-Guessing needs an MMLU benchmark (--bench mmlu); skipped' });
  }

  const { records: existing, torn } = readProbeRecords(dir, { repair: true });
  if (torn) emit({ type: 'repaired', line: torn.line, kept: existing.length, file: join(dir, PROBES_FILE) });
  const latest = new Map(existing.map((r) => [r.id, r]));
  const todo = tasks.filter((t) => {
    const prev = latest.get(t.id);
    return !prev || (opts.retryFailed && prev.error !== undefined);
  });

  const estimate = estimateCost(todo, callers);
  emit({ type: 'estimate', estimate });
  if (opts.maxCost !== undefined && todo.length) {
    if (estimate.cost === undefined) {
      const unpriced = estimate.perModel.filter((m) => m.cost === undefined && m.calls).map((m) => m.model);
      throw new HeldoutError(`--max-cost needs prices for ${unpriced.join(', ')}`, {
        hint: 'add prices: {input, output} (US dollars per 1M tokens) for the model under models: in heldout.config.yaml',
      });
    }
    if (estimate.cost > opts.maxCost) {
      throw new HeldoutError(
        `the estimated cost $${estimate.cost.toFixed(4)} is above --max-cost $${opts.maxCost} (${estimate.calls} calls)`,
        { hint: 'lower --n, probe fewer benchmarks, or raise --max-cost' },
      );
    }
  }
  if (todo.length && opts.confirm && !(await opts.confirm(estimate))) {
    throw new HeldoutError('cancelled; nothing was sent', { exitCode: 1 });
  }

  mkdirSync(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  let manifest: ProbeManifest = {
    ...(previous ?? {}),
    format: PROBE_FORMAT,
    params,
    models: callers.map((c) => ({
      spec: c.spec,
      provider: c.provider,
      model: c.model,
      ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}),
    })),
    benchmarks: recordedBenches,
    control: {
      examId: exam.id,
      title: exam.title,
      dir: relativeDir(cwd, controlDir),
      hash,
      items: controlItems.map((i) => i.id),
    },
    startedAt: previous?.startedAt ?? startedAt,
    finishedAt: undefined,
    status: 'running',
    sessions: [...(previous?.sessions ?? []), { startedAt }],
  };
  writeProbeManifest(dir, manifest);
  emit({ type: 'start', runDir: dir, planned: tasks.length, todo: todo.length, resumed: Boolean(previous) });

  const writer = new JsonlWriter(join(dir, PROBES_FILE));
  let done = 0;
  let spent = 0;
  const budget = new AbortController();
  const stop = anySignal([opts.stop, budget.signal]);
  const priceOf = new Map(callers.map((c) => [c.spec, c.prices]));
  const write = (record: ProbeRecord) => {
    writer.append(record);
    latest.set(record.id, record);
    done++;
    const price = priceOf.get(record.model);
    if (price && record.usage && !record.cached) {
      spent += ((record.usage.inputTokens ?? 0) * price.input + (record.usage.outputTokens ?? 0) * price.output) / 1e6;
      if (opts.maxCost !== undefined && spent >= opts.maxCost && !budget.signal.aborted) {
        emit({ type: 'budget', spent });
        budget.abort();
      }
    }
    emit({
      type: 'item',
      // The run's progress display, fed with the probe's names.
      record: {
        id: record.id,
        model: record.model,
        questionId: `${record.probe}/${record.variant} ${record.itemId}`,
        unitIds: [],
        sample: 0,
        ...(record.error ? { error: record.error } : {}),
      },
      done,
      todo: todo.length,
    });
  };

  const byModel = callers.map((c) => ({ width: c.concurrency, items: todo.filter((t) => t.caller === c) }));
  let interrupted = false;
  try {
    ({ interrupted } = await runPools(byModel, (t, signal) => runTask(t, params, signal, write), {
      stop,
      abort: opts.abort,
      graceMs: opts.graceMs,
      onStopping: (inFlight) => emit({ type: 'stopping', inFlight }),
    }));
  } catch (err) {
    finish(dir, manifest, 'incomplete');
    throw err;
  } finally {
    writer.close();
  }

  const wanted = new Set(tasks.map((t) => t.id));
  const records = [...latest.values()].filter((r) => wanted.has(r.id));
  const failed = records.filter((r) => r.error).length;
  const status = interrupted ? 'interrupted' : records.length < tasks.length || failed ? 'incomplete' : 'complete';
  manifest = finish(dir, manifest, status);
  return {
    dir,
    manifest,
    findings: analyseProbes(manifest, records),
    estimate,
    planned: tasks.length,
    done,
    todo: todo.length,
    failed,
    interrupted,
    overBudget: budget.signal.aborted,
    ...(priceOf.size && [...priceOf.values()].every(Boolean) ? { spent } : {}),
  };
}

function finish(dir: string, manifest: ProbeManifest, status: ProbeManifest['status']): ProbeManifest {
  const finishedAt = new Date().toISOString();
  const sessions = manifest.sessions.slice();
  sessions[sessions.length - 1] = { ...sessions[sessions.length - 1], finishedAt, status };
  const next = { ...manifest, finishedAt, status, sessions };
  writeProbeManifest(dir, next);
  return next;
}

/** A signal that aborts when any of the given ones does. */
function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal {
  const ctl = new AbortController();
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) ctl.abort();
    else s.addEventListener('abort', () => ctl.abort(), { once: true });
  }
  return ctl.signal;
}

/** A path a run manifest recorded: as typed (from the cwd), or relative to the run (runs/<id>/ is two levels down). */
function recordedPath(path: string, runDir: string, cwd: string): string | undefined {
  if (isAbsolute(path)) return existsSync(path) ? path : undefined;
  return [resolve(cwd, path), resolve(runDir, path), resolve(runDir, '..', '..', path)].find((p) => existsSync(p));
}

function relativeDir(cwd: string, dir: string): string {
  const rel = relative(cwd, dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}
