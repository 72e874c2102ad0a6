import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadBenchmarkSource } from '../contamination/bench/load.js';
import type { BenchmarkSource } from '../contamination/bench/source.js';
import { HeldoutError } from '../errors.js';
import { loadExam } from '../exam/load.js';
import { examHash, examQuestions, questionPromptText } from '../exam/model.js';
import type { Exam } from '../exam/schema.js';
import { displayPath } from '../io/files.js';
import { type ModelCaller, openModel } from '../models/index.js';
import { retryEvent } from '../run/events.js';
import type { RunManifest } from '../store/run.js';
import { mmluQuestions } from './mmlu.js';
import { datasetName, itemSplits, type ProbeSet, sampleItems } from './plan.js';
import type { ProbeManifest, ProbeParams } from './records.js';
import type { ProbeEvent, ProbeOptions } from './run-probe.js';

/**
 * What a probe asks and of whom, before anything is sent: the benchmarks, the held-out control exam and the
 * models, each taken from the probe's manifest on a resume (and checked unchanged), else from the options or
 * the run the probe is added to; and the seeded sample of items.
 */

/** The benchmarks, loaded; on a resume, the recorded files, which must be unchanged. */
export async function loadProbeBenchmarks(
  opts: ProbeOptions,
  previous: ProbeManifest | undefined,
  cwd: string,
): Promise<BenchmarkSource[]> {
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
  return sources;
}

export interface ProbeControl {
  dir: string;
  exam: Exam;
  hash: string;
}

/** The control: the held-out exam, which no model can have memorised. */
export function loadProbeControl(
  opts: ProbeOptions,
  previous: ProbeManifest | undefined,
  run: RunManifest | undefined,
  dir: string,
  cwd: string,
): ProbeControl {
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
  return { dir: controlDir, exam, hash };
}

/** The models: the recorded ones, plus any new; by default the run's. Only OpenAI-compatible ones can be probed. */
export function openProbeModels(
  opts: ProbeOptions,
  previous: ProbeManifest | undefined,
  run: RunManifest | undefined,
  emit: (e: ProbeEvent) => void,
): ModelCaller[] {
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
  return callers;
}

export interface ProbeSets {
  sets: ProbeSet[];
  /** The benchmarks as the manifest records them, with the sampled item ids. */
  benchmarks: ProbeManifest['benchmarks'];
  controlItems: { id: string; text: string; split: string }[];
}

/** The seeded sample, recorded so that a resume (or a later reader) asks exactly the same items. */
export async function probeSets(
  sources: BenchmarkSource[],
  exam: Exam,
  params: ProbeParams,
  previous: ProbeManifest | undefined,
): Promise<ProbeSets> {
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
  return { sets, benchmarks: recordedBenches, controlItems };
}

/** A path a run manifest recorded: as typed (from the cwd), or relative to the run (runs/<id>/ is two levels down). */
function recordedPath(path: string, runDir: string, cwd: string): string | undefined {
  if (isAbsolute(path)) return existsSync(path) ? path : undefined;
  return [resolve(cwd, path), resolve(runDir, path), resolve(runDir, '..', '..', path)].find((p) => existsSync(p));
}

export function relativeDir(cwd: string, dir: string): string {
  const rel = relative(cwd, dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}
