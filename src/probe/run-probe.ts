import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { JsonlWriter } from '../io/jsonl.js';
import type { HeldoutConfig } from '../models/config.js';
import type { OpenModelOptions } from '../models/index.js';
import type { RunEvent } from '../run/events.js';
import { runPools } from '../run/pool.js';
import { isRunDir, loadRunManifest } from '../store/run.js';
import { analyseProbes, type MemorisationFindings } from './analyse.js';
import { runTask } from './ask.js';
import { type CostEstimate, estimateCost, planTasks } from './plan.js';
import { loadProbeBenchmarks, loadProbeControl, openProbeModels, probeSets, relativeDir } from './probe-setup.js';
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

  const sources = await loadProbeBenchmarks(opts, previous, cwd);
  const { dir: controlDir, exam, hash } = loadProbeControl(opts, previous, run, dir, cwd);
  const callers = openProbeModels(opts, previous, run, emit);
  const { sets, benchmarks: recordedBenches, controlItems } = await probeSets(sources, exam, params, previous);

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
