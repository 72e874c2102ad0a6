import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { figureBytesHasher } from '../exam/figures.js';
import { findRubricFile, loadExam, loadRubric } from '../exam/load.js';
import { examHash, examUnits } from '../exam/model.js';
import { type ContentVersions, contentVersions, unitVersionsJson } from '../exam/versions.js';
import { displayPath } from '../io/files.js';
import { JsonlWriter, readJsonl } from '../io/jsonl.js';
import { refuseSystemPath } from '../io/write-file.js';
import type { HeldoutConfig } from '../models/config.js';
import {
  type Completion,
  isModelCallError,
  type ModelCallError,
  type ModelCaller,
  type OpenModelOptions,
  openModel,
} from '../models/index.js';
import { loadReplaySheet, matchReplay, type ReplayRow, type ReplaySheet } from '../models/replay.js';
import { type ResponseRecord, responseId, responseRecordSchema } from '../store/records.js';
import { acquireRunLock, type RunLock } from '../store/run-lock.js';
import { toolVersion } from '../version.js';
import { messagesWithFigures } from './figure-inputs.js';
import { buildPromptItems, type PromptItem } from './prompt.js';
import { importReplayPoints } from './replay-grades.js';
import { detectUnitSheet, mapRowsByUnitColumn, type UnitMapping } from './replay-units.js';
import {
  countResponses,
  isRunDir,
  latestById,
  loadRunManifest,
  RESPONSES_FILE,
  RUN_FORMAT,
  type RunCounts,
  type RunManifest,
  type RunParams,
  writeRunManifest,
} from './store.js';

export type RunEvent =
  | { type: 'start'; runDir: string; planned: number; todo: number; resumed: boolean }
  | { type: 'repaired'; line: number; kept: number; file: string }
  | { type: 'warning'; message: string }
  | { type: 'item'; record: ResponseRecord; done: number; todo: number }
  | { type: 'retry'; model: string; kind: string; status?: number; delayMs: number; retry: number }
  | { type: 'stopping'; inFlight: number };

/** A model call's retry as a run event (shared by `run` and `probe`). */
export function retryEvent(i: { spec: string; error: ModelCallError; delayMs: number; retry: number }): RunEvent {
  return {
    type: 'retry',
    model: i.spec,
    kind: i.error.kind,
    status: i.error.status,
    delayMs: i.delayMs,
    retry: i.retry,
  };
}

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

export interface ModelSummary {
  model: string;
  answered: number;
  failed: number;
  missing: number;
  cached: number;
  inputTokens: number;
  outputTokens: number;
  /** This session's wall time for the model. */
  wallMs: number;
  /** US dollars for the uncached answers, when the config has prices. */
  cost?: number;
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

interface WorkItem {
  id: string;
  caller: ModelCaller;
  prompt: PromptItem;
  sample: number;
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
  // Replay sheets with one row per grading unit map to units, and the run then asks per unit (as --split-subparts).
  const sheets = new Map<string, ReplaySheet>();
  const unitMappings = new Map<string, UnitMapping>();
  for (const caller of callers.filter((c) => c.resolved.api === 'replay')) {
    const sheet = loadReplaySheet(resolve(cwd, caller.model));
    sheets.set(caller.spec, sheet);
    const units = examUnits(exam);
    const mapping = params.unitColumn
      ? mapRowsByUnitColumn(sheet, units, params.unitColumn)
      : detectUnitSheet(
          sheet,
          units,
          buildPromptItems(exam, { mode: 'chat', splitSubparts: false, shots: 0 }).map((p) => ({
            questionId: p.questionId,
            aliases: p.unitIds.length === 1 ? p.unitIds : [],
            pieces: p.pieces,
          })),
          params.samples,
        );
    if (!mapping) continue;
    unitMappings.set(caller.spec, mapping);
    if (!params.splitSubparts) {
      params.splitSubparts = true;
      emit({
        type: 'warning',
        message: `${sheet.file}: ${mapping.how}; the run records one answer per unit (--split-subparts)`,
      });
    }
  }
  const prompts = promptsFor('chat');
  for (const c of callers) promptsFor(c.resolved.api === 'replay' ? 'chat' : c.mode);

  // Replay: match the sheet to the exam once (before anything is written, so a bad sheet leaves no run
  // directory behind), report rows that fit nowhere, then write the answers.
  const replayAnswers = new Map<string, Map<string, ReplayRow[]>>();
  const importPoints: (() => void)[] = [];
  for (const caller of callers.filter((c) => c.resolved.api === 'replay')) {
    const sheet = sheets.get(caller.spec)!;
    const units = examUnits(exam);
    const byUnit = unitMappings.get(caller.spec)?.byUnit;
    const match = byUnit
      ? { byQuestion: byUnit, unmatched: [] }
      : matchReplay(
          sheet,
          prompts.map((p) => ({
            questionId: p.questionId,
            // A one-unit question's unit id (e.g. "1a" for a flat import) names the question too.
            aliases: p.unitIds.length === 1 ? p.unitIds : [],
            pieces: p.pieces,
          })),
        );
    replayAnswers.set(caller.spec, match.byQuestion);
    for (const { row, reason } of match.unmatched) {
      emit({ type: 'warning', message: `${sheet.file}:${row.line}: row not used: ${reason}` });
    }
    for (const [qid, rows] of match.byQuestion) {
      if (rows.length > params.samples) {
        emit({
          type: 'warning',
          message: `${sheet.file}: ${rows.length} answers to question ${qid} (lines ${rows.map((r) => r.line).join(', ')}); using the first ${params.samples} (--samples ${params.samples})`,
        });
      }
    }
    const missing = prompts.filter((p) => !match.byQuestion.has(p.questionId)).map((p) => p.questionId);
    if (missing.length) {
      emit({
        type: 'warning',
        message: `${sheet.file}: no answer to question(s) ${missing.join(', ')}: recorded as empty answers (they score 0)`,
      });
    }
    if (params.pointsColumn && params.grader) {
      const { pointsColumn, grader } = params;
      importPoints.push(() =>
        importReplayPoints({
          runDir,
          sheet,
          byQuestion: match.byQuestion,
          prompts,
          units,
          model: caller.spec,
          column: pointsColumn,
          grader,
          samples: params.samples,
          versions,
          warn: (message) => emit({ type: 'warning', message }),
        }),
      );
    }
  }
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
  const responsesFile = join(runDir, RESPONSES_FILE);
  const existing = readJsonl(responsesFile, responseRecordSchema, { repair: true });
  if (existing.torn) {
    emit({ type: 'repaired', line: existing.torn.line, kept: existing.records.length, file: responsesFile });
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
  emit({ type: 'start', runDir, planned, todo: todo.length, resumed: resuming });

  const writer = new JsonlWriter(responsesFile);
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
    const t0 = Date.now();
    const startedAt = new Date(t0).toISOString();
    const base = {
      id: it.id,
      model: it.caller.spec,
      questionId: it.prompt.questionId,
      unitIds: it.prompt.unitIds,
      sample: it.sample,
      versions: unitVersionsJson(versions, it.prompt.unitIds),
    };
    const seed = params.seed === undefined ? undefined : params.seed + it.sample;
    const recordParams = stripUndefined({ temperature: params.temperature, maxTokens: params.maxTokens, seed });
    // Figures: image inputs for models that take them, alt text for the others (recorded per answer).
    const shown =
      it.prompt.prompt === undefined && it.caller.resolved.api !== 'replay'
        ? messagesWithFigures(it.prompt, loaded.dir, it.caller.images)
        : { messages: it.prompt.messages, figures: undefined };
    const audit =
      it.prompt.prompt !== undefined
        ? { prompt: it.prompt.prompt }
        : { messages: shown.messages.map(({ role, content }) => ({ role, content })) };
    const figureRecord = shown.figures ? { figures: shown.figures } : {};
    const stats = perModel.get(it.caller.spec) ?? {};
    stats.first ??= t0;
    perModel.set(it.caller.spec, stats);
    let c: Completion;
    try {
      if (it.caller.resolved.api === 'replay') {
        const row = replayAnswers.get(it.caller.spec)?.get(it.prompt.questionId)?.[it.sample];
        c = row
          ? { text: row.answer, finishReason: 'replay', cached: false, attempts: 0, ms: 0 }
          : { text: '', finishReason: 'missing', cached: false, attempts: 0, ms: 0 };
      } else {
        c = await it.caller.call(
          {
            messages: shown.messages,
            prompt: it.prompt.prompt,
            temperature: params.temperature,
            maxTokens: params.maxTokens,
            seed,
            sample: it.sample,
            questionId: it.prompt.questionId,
          },
          hardAbort.signal,
        );
      }
    } catch (err) {
      stats.last = Date.now();
      if (isModelCallError(err)) {
        if (err.kind === 'aborted') return; // left missing: --resume does it
        write({
          ...base,
          error: { kind: err.kind, message: err.message, ...(err.status !== undefined ? { status: err.status } : {}) },
          timing: { startedAt, ms: Date.now() - t0, attempts: err.attempts },
          ...audit,
          ...figureRecord,
          params: recordParams,
        });
        return;
      }
      throw err;
    }
    stats.last = Date.now();
    write({
      ...base,
      text: c.text,
      ...(c.finishReason ? { finishReason: c.finishReason } : {}),
      ...(c.usage ? { usage: stripUndefined(c.usage) } : {}),
      timing: { startedAt, ms: Math.round(c.ms), attempts: c.attempts },
      cached: c.cached,
      ...audit,
      ...figureRecord,
      params: recordParams,
    });
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

function summarise(
  caller: ModelCaller,
  records: ResponseRecord[],
  stats?: { first?: number; last?: number },
): ModelSummary {
  const mine = records.filter((r) => r.model === caller.spec);
  const s: ModelSummary = {
    model: caller.spec,
    answered: 0,
    failed: 0,
    missing: 0,
    cached: 0,
    inputTokens: 0,
    outputTokens: 0,
    wallMs: stats?.first !== undefined && stats.last !== undefined ? stats.last - stats.first : 0,
  };
  let cost = 0;
  for (const r of mine) {
    if (r.error) s.failed++;
    else if (r.finishReason === 'missing') s.missing++;
    else s.answered++;
    if (r.cached) s.cached++;
    const i = r.usage?.inputTokens ?? 0;
    const o = r.usage?.outputTokens ?? 0;
    s.inputTokens += i;
    s.outputTokens += o;
    if (!r.cached && caller.prices) cost += (i * caller.prices.input + o * caller.prices.output) / 1e6;
  }
  if (caller.prices) s.cost = cost;
  return s;
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
  const dir = manifest.exam.dir;
  const candidates = [resolve(cwd, dir), resolve(runDir, '..', '..', dir)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

function relativeDir(cwd: string, dir: string): string {
  const rel = relative(cwd, dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
