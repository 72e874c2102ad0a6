import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { JsonlWriter, readJsonl, withPath } from '../io/jsonl.js';
import { warnOnce } from '../io/warn.js';
import { type ResponseRecord, responseRecordSchema } from '../store/records.js';

/**
 * A run directory `runs/<id>/`: `manifest.json` (what was run, with which parameters) and `responses.jsonl`
 * (append-only answers). Grading adds `grades.jsonl`. Documented in docs/formats.md.
 */

export const RUN_FORMAT = 'heldout-run/1';
export const MANIFEST_FILE = 'manifest.json';
export const RESPONSES_FILE = 'responses.jsonl';
export const GRADES_FILE = 'grades.jsonl';

export const runParamsSchema = z.object({
  temperature: z.number().min(0).max(2),
  maxTokens: z.number().int().min(1).optional(),
  samples: z.number().int().min(1),
  /** Sample i is sent with seed + i (where the provider supports seeds). */
  seed: z.number().int().optional(),
  splitSubparts: z.boolean(),
  mode: z.enum(['chat', 'completion']),
  shots: z.number().int().min(0),
  /** The Handlebars template texts used (undefined: the exam's or heldout's default). */
  systemTemplate: z.string().optional(),
  userTemplate: z.string().optional(),
  /** Set when answers were imported with points: the column and the human grader's name. */
  pointsColumn: z.string().optional(),
  grader: z.string().optional(),
  /** Replay: the column naming each row's grading unit. */
  unitColumn: z.string().optional(),
});
export type RunParams = z.infer<typeof runParamsSchema>;

export const runModelSchema = z.object({
  spec: z.string(),
  /** The `Label` of `--model 'Label=spec'`: the name reports show. */
  label: z.string().optional(),
  provider: z.string(),
  model: z.string(),
  baseUrl: z.string().optional(),
  mode: z.enum(['chat', 'completion']),
});

export const runCountsSchema = z.object({
  /** Items the run asks for: models × prompts × samples. */
  planned: z.number().int().min(0),
  answered: z.number().int().min(0),
  failed: z.number().int().min(0),
  /** Replay only: no recorded answer (stored as an empty answer). */
  missing: z.number().int().min(0),
});
export type RunCounts = z.infer<typeof runCountsSchema>;

export const runManifestSchema = z.looseObject({
  format: z.literal(RUN_FORMAT),
  id: z.string(),
  exam: z.object({ id: z.string(), title: z.string(), hash: z.string(), dir: z.string() }),
  /** Same as exam.hash, at the top level for quick comparisons. */
  examHash: z.string(),
  models: z.array(runModelSchema),
  params: runParamsSchema,
  toolVersion: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  status: z.enum(['running', 'complete', 'incomplete', 'interrupted']),
  counts: runCountsSchema,
  /** One entry per invocation (the first run, then each --resume). */
  sessions: z.array(
    z.object({
      startedAt: z.string(),
      finishedAt: z.string().optional(),
      resumed: z.boolean(),
      retryFailed: z.boolean().optional(),
      status: z.string().optional(),
    }),
  ),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, MANIFEST_FILE));
}

/** The raw JSON of `manifest.json`, with errors that name the file; callers validate what they need. */
export function readManifestJson(runDir: string): { file: string; value: unknown } {
  const file = join(resolve(runDir), MANIFEST_FILE);
  if (!existsSync(file)) {
    throw new HeldoutError('not a run directory (no manifest.json)', {
      where: displayPath(resolve(runDir)),
      hint: 'pass a directory written by `heldout run` (see `heldout runs list`)',
    });
  }
  try {
    return { file, value: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (err) {
    throw new HeldoutError(`invalid JSON: ${(err as Error).message}`, { where: displayPath(file) });
  }
}

export function parseManifest<S extends z.ZodType>(schema: S, runDir: string): z.output<S> {
  const { file, value } = readManifestJson(runDir);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HeldoutError(`manifest field ${issue.path.join('.') || '(root)'} ${issue.message}`, {
      where: displayPath(file),
    });
  }
  return parsed.data;
}

export function loadRunManifest(runDir: string): RunManifest {
  return parseManifest(runManifestSchema, runDir);
}

/** Written to a temp file and renamed, so a crash leaves the old or the new manifest, never half of one. */
export function writeRunManifest(runDir: string, manifest: RunManifest): void {
  const file = join(runDir, MANIFEST_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw withPath(err, file);
  }
}

/** The latest record per id (a later `--retry-failed` success supersedes an error), in first-seen order. */
export function latestById(records: ResponseRecord[]): ResponseRecord[] {
  const map = new Map<string, ResponseRecord>();
  for (const r of records) map.set(r.id, r);
  return [...map.values()];
}

/**
 * Every answer of a run: the latest record per (model, question, sample). Read-only: a torn last line (a run
 * still being written, or killed) is left out, not repaired, and said in a warning (score, grade and report used to
 * skip it silently: the answer counted as unanswered while the manifest said `complete`).
 */
export function loadRunResponses(runDir: string): ResponseRecord[] {
  const file = join(resolve(runDir), RESPONSES_FILE);
  if (!existsSync(join(resolve(runDir), MANIFEST_FILE)) && !existsSync(file)) loadRunManifest(runDir);
  const { records, torn } = readJsonl(file, responseRecordSchema);
  if (torn) warnOnce(tornMessage(runDir, file, torn.line, torn.bytes));
  return latestById(records);
}

function tornMessage(runDir: string, file: string, line: number, bytes: number): string {
  let status: string | undefined;
  try {
    status = (JSON.parse(readFileSync(join(resolve(runDir), MANIFEST_FILE), 'utf8')) as { status?: string }).status;
  } catch {
    // No readable manifest: nothing to add.
  }
  const complete = status === 'complete' ? '; the manifest says "complete", but that answer is missing' : '';
  return (
    `${displayPath(file)}:${line}: the last line is cut off (${bytes} bytes, a killed or still running writer) and is ` +
    `left out: its answer counts as unanswered${complete}; \`heldout run --resume ${displayPath(resolve(runDir))}\` repairs the file and asks again`
  );
}

/**
 * The records already in responses.jsonl, after repairing a torn last line left by a killed run (the runner, before
 * it appends), and where the cut was, if any.
 */
export function repairResponses(runDir: string): { file: string; records: ResponseRecord[]; torn?: { line: number } } {
  const file = join(runDir, RESPONSES_FILE);
  const { records, torn } = readJsonl(file, responseRecordSchema, { repair: true });
  return { file, records, torn };
}

/** The runner's appender to responses.jsonl (one write per record). */
export function openResponseWriter(runDir: string): JsonlWriter {
  return new JsonlWriter(join(runDir, RESPONSES_FILE));
}

/** Counts over the latest records. `answered` excludes replay's empty "missing" answers. */
export function countResponses(records: ResponseRecord[], planned: number): RunCounts {
  let answered = 0;
  let failed = 0;
  let missing = 0;
  for (const r of records) {
    if (r.error) failed++;
    else if (r.finishReason === 'missing') missing++;
    else answered++;
  }
  return { planned, answered, failed, missing };
}

export interface RunListing {
  dir: string;
  id: string;
  exam: string;
  models: string[];
  status: string;
  startedAt: string;
  counts: RunCounts;
}

/** Past runs under `dir`, newest first. Directories without a readable manifest are skipped. */
export function listRuns(dir = 'runs'): RunListing[] {
  const root = resolve(dir);
  if (!existsSync(root)) return [];
  const out: RunListing[] = [];
  for (const name of readdirSync(root)) {
    const runDir = join(root, name);
    if (!statSync(runDir).isDirectory() || !isRunDir(runDir)) continue;
    let manifest: RunManifest;
    try {
      manifest = loadRunManifest(runDir);
    } catch {
      continue;
    }
    let counts = manifest.counts;
    try {
      counts = countResponses(loadRunResponses(runDir), manifest.counts.planned);
    } catch {
      // A corrupt responses file: show the manifest's counts.
    }
    const killed = manifest.status === 'running' && !manifest.finishedAt;
    out.push({
      dir: runDir,
      id: manifest.id || basename(runDir),
      exam: manifest.exam.id,
      models: manifest.models.map((m) => m.spec),
      status: killed ? 'running or killed' : manifest.status,
      startedAt: manifest.startedAt,
      counts,
    });
  }
  return out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
}
