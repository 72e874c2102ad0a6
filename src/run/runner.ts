import { existsSync, mkdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { figureBytesHasher } from '../exam/figures.js';
import { findRubricFile, loadExam, loadRubric } from '../exam/load.js';
import { examHash } from '../exam/model.js';
import { type ContentVersions, contentVersions, unitVersionsJson } from '../exam/versions.js';
import { displayPath } from '../io/files.js';
import { refuseSystemPath } from '../io/write-file.js';
import type { HeldoutConfig } from '../models/config.js';
import { type OpenModelOptions, openModel } from '../models/index.js';
import { type ResponseRecord, responseId } from '../store/records.js';
import {
  countResponses,
  isRunDir,
  latestById,
  loadRunManifest,
  openResponseWriter,
  RUN_FORMAT,
  type RunCounts,
  type RunManifest,
  type RunParams,
  repairResponses,
  writeRunManifest,
} from '../store/run.js';
import { acquireRunLock, type RunLock } from '../store/run-lock.js';
import { toolVersion } from '../version.js';
import { askItem, stripUndefined, type WorkItem } from './ask-item.js';
import { type RunEvent, retryEvent } from './events.js';
import { buildPromptItems, type PromptItem } from './prompt.js';
import { matchReplayAnswers, readReplaySheets } from './replay-plan.js';
import { type ModelSummary, summarise } from './summary.js';

export interface RunExamOptions {
  /** Exam directory; optional on resume (the manifest has it). */
  examDir?: string;
  models?: string[];
  /** Run directory; default `runs/<exam-id>-<UTC timestamp>` under the cwd. */
  out?: string;
  /** New runs only; a resumed run keeps its manifest's parameters. */
  params?: Partial<RunParams>;
  resume?: boolean;
  retryFailed?: boolean;
  noCache?: boolean;
  config?: HeldoutConfig;
  baseUrl?: string;
  /** Per model; default from config or the provider. */
  concurrency?: number;
  timeoutMs?: number;
  cacheDir?: string;
  env?: Record<string, string | undefined>;
  /** Model-call tuning (tests). */
  modelOptions?: Partial<OpenModelOptions>;
  /** Aborting it stops scheduling; in-flight calls get `graceMs`, then are cancelled. */
  stop?: AbortSignal;
  /** Aborting it cancels in-flight calls at once. */
  abort?: AbortSignal;
  graceMs?: number;
  onEvent?: (e: RunEvent) => void;
  cwd?: string;
}

export interface RunResult {
  runDir: string;
  manifest: RunManifest;
  counts: RunCounts;
  perModel: ModelSummary[];
  interrupted: boolean;
  /** Items done in this session. */
  done: number;
  todo: number;
}

export const DEFAULT_PARAMS: RunParams = {
  temperature: 0.1,
  samples: 1,
  splitSubparts: false,
  mode: 'chat',
  shots: 5,
};

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Runs an exam on models (or finishes a run), writing each answer to `responses.jsonl` as it arrives. The run
 * directory's lock (run-lock.ts) is held from before the manifest is read until the last write.
 */
export async function runExam(opts: RunExamOptions): Promise<RunResult> {
  const locks: RunLock[] = [];
  const lock = (dir: string) => {
    const l = acquireRunLock(dir, opts.resume || opts.retryFailed ? 'run --resume' : 'run');
    locks.push(l);
    if (l.recovered) {
      opts.onEvent?.({
        type: 'warning',
        message: `took over the lock of PID ${l.recovered.pid} (${l.recovered.command}), which is no longer running`,
      });
    }
  };
  try {
    return await runExamLocked(opts, lock);
  } finally {
    for (const l of locks) l.release();
  }
}

async function runExamLocked(opts: RunExamOptions, lock: (dir: string) => void): Promise<RunResult> {
  const cwd = opts.cwd ?? process.cwd();
  const emit = opts.onEvent ?? (() => {});
  const now = new Date();
  let runDir: string;
  let manifest: RunManifest | undefined;
  const resuming = Boolean(opts.resume || opts.retryFailed);

  if (resuming) {
    if (!opts.out)
      throw new HeldoutError('--resume needs the run directory', { hint: 'heldout run --resume runs/<id>' });
    runDir = resolve(cwd, opts.out);
    loadRunManifest(runDir); // a clear error for a directory that is not a run, before locking it
    lock(runDir);
    manifest = loadRunManifest(runDir);
  } else {
    if (!opts.examDir)
      throw new HeldoutError('missing the exam directory', { hint: 'heldout run <exam-dir> --model <spec>' });
    runDir = opts.out ? resolve(cwd, opts.out) : '';
    if (runDir && isRunDir(runDir)) {
      throw new HeldoutError('this run directory already holds a run', {
        where: displayPath(runDir),
        hint: `finish it with \`heldout run --resume ${displayPath(runDir)}\`, or choose another --out`,
      });
    }
  }

  const examDir = opts.examDir ? resolve(cwd, opts.examDir) : manifestExamDir(manifest!, runDir, cwd);
  const loaded = loadExam(examDir);
  const exam = loaded.exam;
  const hash = examHash(exam);
  if (manifest && (manifest.exam.id !== exam.id || manifest.examHash !== hash)) {
    throw new HeldoutError(
      manifest.exam.id !== exam.id
        ? `this run is of exam "${manifest.exam.id}", not "${exam.id}"`
        : 'the exam changed since this run started (its content hash differs)',
      {
        where: displayPath(runDir),
        hint: 'start a new run; mixing answers to two versions of an exam would make the scores meaningless',
      },
    );
  }
  if (!runDir) runDir = resolve(cwd, 'runs', `${exam.id}-${stamp(now)}`);
  const versions = runContentVersions(loaded);

  const params: RunParams = manifest ? manifest.params : { ...DEFAULT_PARAMS, ...stripUndefined(opts.params ?? {}) };
  const specs = [...new Set([...(manifest?.models.map((m) => m.spec) ?? []), ...(opts.models ?? [])])];
  if (specs.length === 0)
    throw new HeldoutError('no model to run', { hint: 'add --model <spec>, e.g. --model openai:gpt-4o' });

  const callers = specs.map((spec) =>
    openModel(spec, {
      config: opts.config,
      // A resumed run asks the server it recorded (an openai-compatible model has no default one).
      baseUrl: opts.baseUrl ?? manifest?.models.find((m) => m.spec === spec)?.baseUrl,
      noCache: opts.noCache,
      cacheDir: opts.cacheDir,
      concurrency: opts.concurrency,
      timeoutMs: opts.timeoutMs,
      env: opts.env,
      mode: params.mode === 'completion' ? 'completion' : undefined,
      ...opts.modelOptions,
      onRetry: (i) => emit(retryEvent(i)),
    }),
  );

  // A run has one default mode; a model whose config says `mode: completion` gets the k-shot prompt anyway.
  const promptsByMode = new Map<'chat' | 'completion', PromptItem[]>();
  const promptsFor = (mode: 'chat' | 'completion') => {
    let list = promptsByMode.get(mode);
    if (!list) {
      list = buildPromptItems(exam, {
        mode,
        splitSubparts: params.splitSubparts,
        systemTemplate: params.systemTemplate,
        userTemplate: params.userTemplate,
        shots: params.shots,
      });
      promptsByMode.set(mode, list);
    }
    return list;
  };
  const replay = readReplaySheets({ callers, exam, params, cwd, emit });
  const prompts = promptsFor('chat');
  for (const c of callers) promptsFor(c.resolved.api === 'replay' ? 'chat' : c.mode);

  const { answers: replayAnswers, importPoints } = matchReplayAnswers({
    callers,
    read: replay,
    exam,
    prompts,
    params,
    runDir,
    versions,
    emit,
  });
  refuseSystemPath(runDir, '--out');
  mkdirSync(runDir, { recursive: true });
  if (!resuming) {
    lock(runDir);
    // Another `heldout run` with the same --out may have finished while this one was starting.
    if (isRunDir(runDir)) {
      throw new HeldoutError('this run directory already holds a run', {
        where: displayPath(runDir),
        hint: `finish it with \`heldout run --resume ${displayPath(runDir)}\`, or choose another --out`,
      });
    }
  }
  for (const run of importPoints) run();
  const existing = repairResponses(runDir);
  if (existing.torn) {
    emit({ type: 'repaired', line: existing.torn.line, kept: existing.records.length, file: existing.file });
  }
  const latest = new Map(latestById(existing.records).map((r) => [r.id, r]));

  const items: WorkItem[] = [];
  for (const caller of callers) {
    for (const prompt of promptsFor(caller.resolved.api === 'replay' ? 'chat' : caller.mode)) {
      for (let sample = 0; sample < params.samples; sample++) {
        items.push({ id: responseId(caller.spec, prompt.questionId, sample), caller, prompt, sample });
      }
    }
  }
  const planned = items.length;
  const todo = items.filter((it) => {
    const prev = latest.get(it.id);
    return !prev || (opts.retryFailed && prev.error !== undefined);
  });

  const startedAt = now.toISOString();
  manifest = {
    ...(manifest ?? {}),
    format: RUN_FORMAT,
    id: manifest?.id ?? relative(resolve(runDir, '..'), runDir),
    exam: { id: exam.id, title: exam.title, hash, dir: relativeDir(cwd, loaded.dir) },
    examHash: hash,
    models: callers.map((c) => ({
      spec: c.spec,
      ...(c.resolved.label ? { label: c.resolved.label } : {}),
      provider: c.provider,
      model: c.model,
      ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}),
      mode: c.mode,
    })),
    params,
    versions: {
      exam: versions.exam,
      ...(versions.rubric ? { rubric: versions.rubric } : {}),
      units: unitVersionsJson(versions),
    },
    toolVersion: toolVersion(),
    startedAt: manifest?.startedAt ?? startedAt,
    finishedAt: undefined,
    status: 'running',
    counts: countResponses([...latest.values()], planned),
    sessions: [
      ...(manifest?.sessions ?? []),
      { startedAt, resumed: resuming, ...(opts.retryFailed ? { retryFailed: true } : {}) },
    ],
  };
  writeRunManifest(runDir, manifest);
  const writer = openResponseWriter(runDir);
  emit({ type: 'start', runDir, planned, todo: todo.length, resumed: resuming });

  const perModel = new Map<string, { first?: number; last?: number }>();
  let done = 0;
  const write = (record: ResponseRecord) => {
    writer.append(record);
    latest.set(record.id, record);
    done++;
    emit({ type: 'item', record, done, todo: todo.length });
  };

  const stop = opts.stop;
  const hardAbort = new AbortController();
  const onHard = () => hardAbort.abort();
  opts.abort?.addEventListener('abort', onHard, { once: true });
  let inFlight = 0;
  let graceTimer: NodeJS.Timeout | undefined;
  const onStop = () => {
    emit({ type: 'stopping', inFlight });
    graceTimer = setTimeout(() => hardAbort.abort(), opts.graceMs ?? 3000);
  };
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });

  const runOne = async (it: WorkItem) => {
    const stats = perModel.get(it.caller.spec) ?? {};
    stats.first ??= Date.now();
    perModel.set(it.caller.spec, stats);
    const record = await askItem(it, {
      versions,
      params,
      examDir: loaded.dir,
      replayRow: replayAnswers.get(it.caller.spec)?.get(it.prompt.questionId)?.[it.sample],
      signal: hardAbort.signal,
    }).finally(() => {
      stats.last = Date.now();
    });
    if (record) write(record);
  };
  // One pool of workers per model, each refilling its slot as soon as it frees (never in waves).
  const byModel = new Map<string, WorkItem[]>();
  for (const it of todo) byModel.set(it.caller.spec, [...(byModel.get(it.caller.spec) ?? []), it]);
  let fatal: unknown;
  const pools: Promise<void>[] = [];
  for (const caller of callers) {
    const queue = byModel.get(caller.spec) ?? [];
    let next = 0;
    const worker = async () => {
      while (next < queue.length && !stop?.aborted && !hardAbort.signal.aborted && fatal === undefined) {
        const it = queue[next++];
        inFlight++;
        try {
          await runOne(it);
        } catch (err) {
          fatal ??= err;
        } finally {
          inFlight--;
        }
      }
    };
    const width = Math.max(1, Math.min(caller.concurrency, queue.length));
    for (let i = 0; i < width; i++) pools.push(worker());
  }
  try {
    await Promise.all(pools);
  } finally {
    clearTimeout(graceTimer);
    stop?.removeEventListener('abort', onStop);
    opts.abort?.removeEventListener('abort', onHard);
    writer.close();
  }

  const interrupted = Boolean(stop?.aborted || opts.abort?.aborted);
  const wanted = new Set(items.map((i) => i.id));
  const records = [...latest.values()].filter((r) => wanted.has(r.id));
  const counts = countResponses(records, planned);
  const finishedAt = new Date().toISOString();
  const status = fatal
    ? 'incomplete'
    : interrupted
      ? 'interrupted'
      : counts.answered + counts.failed + counts.missing < planned || counts.failed > 0
        ? 'incomplete'
        : 'complete';
  const sessions = manifest.sessions.slice();
  sessions[sessions.length - 1] = { ...sessions[sessions.length - 1], finishedAt, status };
  manifest = { ...manifest, finishedAt, status, counts, sessions };
  writeRunManifest(runDir, manifest);
  if (fatal) throw fatal;

  return {
    runDir,
    manifest,
    counts,
    perModel: callers.map((c) => summarise(c, records, perModel.get(c.spec))),
    interrupted,
    done,
    todo: todo.length,
  };
}

/**
 * The versions of each unit as asked. The rubric is optional at run time (it may not be written yet, or not valid
 * yet): then the run records the question and key versions only.
 */
function runContentVersions(loaded: ReturnType<typeof loadExam>): ContentVersions {
  let rubric: ReturnType<typeof loadRubric>['rubric'] | undefined;
  if (findRubricFile(loaded.dir, loaded.exam.id)) {
    try {
      rubric = loadRubric(loaded).rubric;
    } catch {
      rubric = undefined;
    }
  }
  return contentVersions(loaded.exam, rubric, figureBytesHasher(loaded.exam, loaded.dir));
}

/** The manifest stores the exam dir relative to where the run started; try there, then relative to the runs/ parent. */
function manifestExamDir(manifest: RunManifest, runDir: string, cwd: string): string {
  const candidates = [resolve(cwd, manifest.exam.dir), resolve(runDir, '..', '..', manifest.exam.dir)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

function relativeDir(cwd: string, dir: string): string {
  const rel = relative(cwd, dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}
