import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { figureBytesHasher } from '../exam/figures.js';
import { emptyRubric, findRubricFile, type LoadedExam, type LoadedRubric, loadExam, loadRubric } from '../exam/load.js';
import { examUnits, type Unit } from '../exam/model.js';
import type { RubricTarget } from '../exam/schema.js';
import { type ContentVersions, contentVersions } from '../exam/versions.js';
import { displayPath } from '../io/files.js';
import type { ResponseRecord } from '../store/records.js';
import { loadRunManifest, loadRunResponses, type RunManifest } from '../store/run.js';
import { rememberRunVersions } from './versions.js';

export interface RunContext {
  runDir: string;
  manifest: RunManifest;
  exam: LoadedExam;
  rubric: LoadedRubric;
  units: Map<string, Unit>;
  /** The latest record per response id, in file order; records with `error` included. */
  responses: ResponseRecord[];
  /** Content versions of the exam and rubric as they are now; grades written for this run are stamped with them. */
  versions: ContentVersions;
}

export interface RunContextOptions {
  /** Exam directory, when the manifest does not name one (or to override it). */
  exam?: string;
  rubric?: string;
  /** Score without a rubric (imported totals): a run whose exam has no rubric gets an empty marking scheme. */
  rubricOptional?: boolean;
}

/** Latest record per id wins (a retried item appends a new record). */
export const readRunResponses = loadRunResponses;

/** A path in the manifest: absolute, relative to the cwd (as the user typed it), or relative to the run. */
function resolveRecorded(path: string, runDir: string): string | undefined {
  if (isAbsolute(path)) return existsSync(path) ? path : undefined;
  // runs/<id>/ usually sits two levels under the directory the run was started from.
  for (const p of [resolve(path), resolve(runDir, path), resolve(runDir, '..', '..', path)])
    if (existsSync(p)) return p;
  return undefined;
}

export function loadRunContext(runDir: string, opts: RunContextOptions = {}): RunContext {
  const dir = resolve(runDir);
  const manifest = loadRunManifest(dir);
  let examDir = opts.exam;
  if (!examDir) {
    const recorded = manifest.exam.dir;
    examDir = recorded ? resolveRecorded(recorded, dir) : undefined;
    if (!examDir) {
      throw new HeldoutError(
        recorded ? `the run's exam directory "${recorded}" is not there` : 'the run manifest names no exam directory',
        { where: displayPath(join(dir, 'manifest.json')), hint: 'pass the exam with --exam <dir>' },
      );
    }
  }
  const exam = loadExam(examDir);
  const recordedId = manifest.exam.id;
  if (recordedId !== exam.exam.id) {
    throw new HeldoutError(`this run is for exam "${recordedId}", not "${exam.exam.id}"`, {
      where: displayPath(join(dir, 'manifest.json')),
      hint: 'pass the right exam with --exam',
    });
  }
  const rubricPath = opts.rubric;
  const rubric =
    opts.rubricOptional && !rubricPath && !findRubricFile(exam.dir, exam.exam.id)
      ? emptyRubric(exam.exam.id)
      : loadRubric(exam, rubricPath);
  const units = new Map(examUnits(exam.exam).map((u) => [u.id, u]));
  const versions = contentVersions(exam.exam, rubric.rubric, figureBytesHasher(exam.exam, exam.dir));
  rememberRunVersions(dir, versions);
  return { runDir: dir, manifest, exam, rubric, units, responses: readRunResponses(dir), versions };
}

export function rubricFor(ctx: Pick<RunContext, 'rubric'>, unitId: string): RubricTarget | undefined {
  return ctx.rubric.rubric.marking[unitId];
}

/** The units a response is graded on that the exam and rubric know. */
export function gradableUnits(ctx: Pick<RunContext, 'units' | 'rubric'>, r: ResponseRecord): Unit[] {
  return r.unitIds.map((id) => ctx.units.get(id)).filter((u): u is Unit => !!u && !!rubricFor(ctx, u.id));
}

/** Label path of a unit below its question, for cutting a multi-part answer into sections. */
export function unitLabelPath(unit: Unit): string[] {
  return unit.labels.slice(1);
}
