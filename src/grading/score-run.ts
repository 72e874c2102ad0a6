import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { latestGrades, readGrades } from '../store/grades.js';
import type { GradeRecord } from '../store/records.js';
import { loadRunContext, type RunContext, type RunContextOptions } from './context.js';
import { DEFAULT_PRECEDENCE, type ScoreOptions, type ScoreReport, scoreExam } from './score.js';
import { describeStale, manifestUnitVersions, type StaleGrade, staleGrades } from './versions.js';

export interface VersionedScoreOptions {
  /** Score grades made under earlier versions of their unit as they are (default: refuse). */
  allowStale?: boolean;
}

/** The exam and rubric versions behind a model's counted grades, most grades first. */
export interface ScoreVersions {
  exam: string;
  rubric?: string;
  /** Stale grades that were counted (only with allowStale): unit, grader, what changed. */
  stale: { unitId: string; grader: string; responseId: string; parts: string[] }[];
  perModel: Record<string, { exam?: string; rubric?: string; grades: number }[]>;
}

export type VersionedScoreReport = ScoreReport & { versions: ScoreVersions };

/** Loads a run and its grades and scores it; grades made under another version of their unit are refused. */
export function scoreRun(
  runDir: string,
  opts: RunContextOptions & ScoreOptions & VersionedScoreOptions = {},
): VersionedScoreReport {
  const ctx = loadRunContext(runDir, { rubricOptional: true, ...opts });
  const grades = readGrades(ctx.runDir);
  const stale = countingStaleGrades(ctx, grades, opts);
  if (stale.length && !opts.allowStale) {
    const order = [...ctx.units.keys()];
    throw new HeldoutError(
      `${stale.length} grade(s) were made under an earlier version of their unit: ${describeStale(stale, order)}`,
      {
        where: displayPath(ctx.runDir),
        hint: `run \`heldout regrade ${displayPath(ctx.runDir)}\` (human grades then need review), or pass --allow-stale to score them as they are`,
      },
    );
  }
  const report = scoreExam(ctx.exam.exam, [...ctx.units.values()], ctx.responses, grades, {
    ...(ctx.rubric.file === '(no rubric)' ? {} : { marking: ctx.rubric.rubric.marking }),
    ...opts,
  });
  return { ...report, versions: scoreVersions(ctx, grades, stale, opts) };
}

/** The versions behind a run's counted grades, and the stale ones, without refusing (the report shows them). */
export function gradeVersionSummary(ctx: RunContext, grades: GradeRecord[], opts: ScoreOptions = {}): ScoreVersions {
  return scoreVersions(ctx, grades, countingStaleGrades(ctx, grades, opts), opts);
}

/** Current grades of the kinds that can count, made under another version of their unit. */
export function countingStaleGrades(ctx: RunContext, grades: GradeRecord[], opts: ScoreOptions = {}): StaleGrade[] {
  const kinds = new Set(opts.precedence ?? DEFAULT_PRECEDENCE);
  const counting = latestGrades(grades).filter((g) => g.status === 'graded' && kinds.has(g.grader.kind));
  return staleGrades(counting, ctx.versions, manifestUnitVersions(ctx.manifest));
}

function scoreVersions(ctx: RunContext, grades: GradeRecord[], stale: StaleGrade[], opts: ScoreOptions): ScoreVersions {
  const kinds = new Set(opts.precedence ?? DEFAULT_PRECEDENCE);
  const modelOf = new Map(ctx.responses.map((r) => [r.id, r.model]));
  const perModel: ScoreVersions['perModel'] = {};
  const tally = new Map<string, Map<string, { exam?: string; rubric?: string; grades: number }>>();
  for (const g of latestGrades(grades)) {
    if (g.status !== 'graded' || !kinds.has(g.grader.kind)) continue;
    const model = modelOf.get(g.responseId);
    if (!model) continue;
    const key = `${g.version?.exam ?? ''}|${g.version?.rubric ?? ''}`;
    const byKey = tally.get(model) ?? new Map();
    const entry = byKey.get(key) ?? {
      ...(g.version?.exam ? { exam: g.version.exam } : {}),
      ...(g.version?.rubric ? { rubric: g.version.rubric } : {}),
      grades: 0,
    };
    entry.grades++;
    byKey.set(key, entry);
    tally.set(model, byKey);
  }
  for (const [model, byKey] of tally) perModel[model] = [...byKey.values()].sort((a, b) => b.grades - a.grades);
  return {
    exam: ctx.versions.exam,
    ...(ctx.versions.rubric ? { rubric: ctx.versions.rubric } : {}),
    stale: stale.map((s) => ({
      unitId: s.grade.unitId,
      grader: s.grade.grader.id,
      responseId: s.grade.responseId,
      parts: s.parts,
    })),
    perModel,
  };
}
