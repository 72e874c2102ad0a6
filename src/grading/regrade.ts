import { changedParts, type VersionPart } from '../exam/versions.js';
import type { ModelCaller, OpenModelOptions } from '../models/index.js';
import { latestGrades, readGrades } from '../store/grades.js';
import type { GradeRecord } from '../store/records.js';
import { gradeAuto } from './auto.js';
import { loadRunContext, type RunContext, type RunContextOptions } from './context.js';
import { appendGrades, GradeWriter } from './grade-writer.js';
import { judgeTask, type Reduce, reduceJudgeGrades } from './judge.js';
import { judgeTasks } from './judge-run.js';
import { openJudges } from './open-judges.js';
import { DEFAULT_PRECEDENCE, pickUnitGrade, scoreExam } from './score.js';
import { gradeVersion, manifestUnitVersions, staleGrades } from './versions.js';

/**
 * `heldout regrade runs/<id>`: after an exam or rubric was corrected, find exactly the units whose question, answer
 * key or rubric changed since they were graded (each grade records the versions it was made under), rerun the
 * automatic checker and the judges on those units only, leave human grades on them stale (they need a person's
 * review: `heldout grade --human` asks them again), and say per model how the score moved.
 */

export interface RegradeOptions extends RunContextOptions {
  /** Judges to use instead of the ones that graded the changed units. */
  judges?: string[];
  /** Do not call judges: their grades on changed units stay stale. */
  noJudges?: boolean;
  /** Regrade every unit (e.g. grades written before versions were recorded). */
  all?: boolean;
  /** Only say what would be regraded. */
  dryRun?: boolean;
  reduce?: Reduce;
  callers?: ModelCaller[];
  openOptions?: OpenModelOptions;
  concurrency?: number;
  noCache?: boolean;
  progress?: (done: number, total: number) => void;
}

export interface ChangedUnit {
  unitId: string;
  parts: VersionPart[];
  /** Current grades on this unit made under an earlier version. */
  staleGrades: number;
}

export interface MovedUnit {
  responseId: string;
  unitId: string;
  sample: number;
  before: number;
  after: number;
}

export interface ModelMove {
  model: string;
  before: number;
  after: number;
  maxPoints: number;
  moved: MovedUnit[];
}

export interface RegradeResult {
  runDir: string;
  changed: ChangedUnit[];
  /** Current grades with no recorded version (graded before versions existed): not compared; see --all. */
  unversioned: number;
  /** Answers given to an earlier text of their question (the model saw the old wording). */
  answeredEarlierText: number;
  auto: { written: number };
  judges: { specs: string[]; graded: number; ungraded: number; written: number };
  /** Human grades on changed units: stale until a person reviews them. */
  humanStale: { grader: string; responseId: string; unitId: string; parts: VersionPart[] }[];
  models: ModelMove[];
  dryRun: boolean;
}

export async function regradeRun(runDir: string, opts: RegradeOptions = {}): Promise<RegradeResult> {
  const ctx = loadRunContext(runDir, opts);
  const order = [...ctx.units.keys()];
  const history = readGrades(ctx.runDir, { repair: true });
  const latest = latestGrades(history);
  const manifestUnits = manifestUnitVersions(ctx.manifest);

  const changedBy = new Map<string, { parts: Set<VersionPart>; stale: number }>();
  const mark = (unitId: string, parts: VersionPart[], stale: number) => {
    const entry = changedBy.get(unitId) ?? { parts: new Set(), stale: 0 };
    for (const p of parts) entry.parts.add(p);
    entry.stale += stale;
    changedBy.set(unitId, entry);
  };
  const stale = staleGrades(latest, ctx.versions, manifestUnits);
  for (const s of stale) mark(s.grade.unitId, s.parts, 1);
  let answeredEarlierText = 0;
  for (const r of ctx.responses) {
    for (const unitId of r.unitIds) {
      const then = r.versions?.[unitId];
      const now = ctx.versions.units.get(unitId);
      if (!then || !now) continue;
      const parts = changedParts({ question: then.question, key: then.key }, now);
      if (parts.includes('question')) answeredEarlierText++;
      if (parts.length) mark(unitId, parts, 0);
    }
  }
  if (opts.all) for (const id of order) if (!changedBy.has(id)) mark(id, [], 0);
  const unversioned = latest.filter((g) => !g.version && !manifestUnits?.[g.unitId]).length;
  const changed: ChangedUnit[] = order
    .filter((id) => changedBy.has(id))
    .map((id) => ({ unitId: id, parts: [...changedBy.get(id)!.parts], staleGrades: changedBy.get(id)!.stale }));
  const units = new Set(changed.map((c) => c.unitId));

  const onChanged = latest.filter((g) => units.has(g.unitId));
  const staleSet = new Set(stale.map((s) => s.grade));
  const humanStale = onChanged
    .filter((g) => g.grader.kind === 'human' && g.status === 'graded' && (staleSet.has(g) || opts.all))
    .map((g) => ({
      grader: g.grader.id,
      responseId: g.responseId,
      unitId: g.unitId,
      parts: stale.find((s) => s.grade === g)?.parts ?? [],
    }));
  const judgePlan = planJudges(onChanged, opts);
  const result: RegradeResult = {
    runDir: ctx.runDir,
    changed,
    unversioned,
    answeredEarlierText,
    auto: { written: 0 },
    judges: { specs: judgePlan.specs, graded: 0, ungraded: 0, written: 0 },
    humanStale,
    models: [],
    dryRun: Boolean(opts.dryRun),
  };
  if (!units.size || opts.dryRun) {
    result.models = moves(ctx, history, history, units);
    return result;
  }

  // The checker: grade the whole run (so multi-part answers are cut the same way) and keep the changed units.
  const auto = gradeAuto(ctx).grades.filter((g) => units.has(g.unitId));
  result.auto.written = appendGrades(ctx.runDir, auto);

  if (judgePlan.specs.length) await rerunJudges(ctx, units, judgePlan, opts, result);

  const after = readGrades(ctx.runDir);
  result.models = moves(ctx, history, after, units);
  return result;
}

interface JudgePlan {
  specs: string[];
  reduce?: Reduce;
}

/** The judges that graded the changed units (or --judge), and how they were combined. */
function planJudges(onChanged: GradeRecord[], opts: RegradeOptions): JudgePlan {
  if (opts.noJudges) return { specs: [] };
  if (opts.judges?.length) return { specs: opts.judges, reduce: opts.reduce ?? 'median' };
  const specs = new Set<string>();
  let reduce: Reduce | undefined;
  for (const g of onChanged) {
    if (g.grader.kind !== 'judge') continue;
    const combined = /^judges:(mean|median|majority):(.+)$/.exec(g.grader.id);
    if (combined) {
      reduce = combined[1] as Reduce;
      for (const s of combined[2].split('+')) specs.add(s);
    } else if (g.grader.id.startsWith('judge:')) specs.add(g.grader.id.slice('judge:'.length));
  }
  return { specs: [...specs], reduce: opts.reduce ?? reduce };
}

async function rerunJudges(
  ctx: RunContext,
  units: Set<string>,
  plan: JudgePlan,
  opts: RegradeOptions,
  result: RegradeResult,
): Promise<void> {
  let callers = opts.callers?.filter((c) => plan.specs.includes(c.spec));
  if (!callers?.length) callers = await openJudges(plan.specs, opts);
  const tasks = judgeTasks(ctx).filter((t) => units.has(t.unit.id));
  const writer = new GradeWriter(ctx.runDir, false);
  const stamp = (g: GradeRecord): GradeRecord => {
    const version = gradeVersion(ctx.versions, g.unitId);
    return version ? { ...g, version } : g;
  };
  let done = 0;
  try {
    await Promise.all(
      tasks.map(async (task) => {
        const perJudge = await Promise.all(
          callers.map(async (caller) => {
            const g = stamp(await judgeTask(caller, task));
            // A failed judge call leaves the stale grade in place, so the next regrade tries the unit again.
            if (g.status !== 'graded') {
              result.judges.ungraded++;
              return g;
            }
            result.judges.graded++;
            writer.append(g);
            result.judges.written++;
            return g;
          }),
        );
        if (callers.length > 1) {
          const how = plan.reduce ?? 'median';
          const combined = reduceJudgeGrades(
            perJudge,
            task.target,
            task.unit.points,
            how,
            callers.map((c) => c.spec),
          );
          if (perJudge.every((g) => g.status === 'graded')) {
            writer.append(stamp(combined));
            result.judges.written++;
          }
        }
        opts.progress?.(++done, tasks.length);
      }),
    );
  } finally {
    writer.close();
  }
}

/**
 * Per model: the total before and after, and the (answer, unit) pairs whose counted points moved. "After" counts
 * only grades made under the current versions: a stale human grade is left out until it is reviewed, so the
 * numbers show what the current exam and rubric say.
 */
function moves(ctx: RunContext, before: GradeRecord[], after: GradeRecord[], units: Set<string>): ModelMove[] {
  const manifestUnits = manifestUnitVersions(ctx.manifest);
  const latestAfter = latestGrades(after);
  const staleAfter = new Set(staleGrades(latestAfter, ctx.versions, manifestUnits).map((s) => s.grade));
  const fresh = latestAfter.filter((g) => !staleAfter.has(g));
  const unitList = [...ctx.units.values()];
  const scoreBefore = scoreExam(ctx.exam.exam, unitList, ctx.responses, before);
  const scoreAfter = scoreExam(ctx.exam.exam, unitList, ctx.responses, fresh);
  const byKey = (grades: GradeRecord[]) => {
    const m = new Map<string, GradeRecord[]>();
    for (const g of latestGrades(grades)) {
      const k = `${g.responseId}\u0000${g.unitId}`;
      m.set(k, [...(m.get(k) ?? []), g]);
    }
    return m;
  };
  const b = byKey(before);
  const a = byKey(fresh);
  return scoreBefore.models.map((mb) => {
    const ma = scoreAfter.models.find((m) => m.model === mb.model);
    const moved: MovedUnit[] = [];
    for (const r of ctx.responses.filter((x) => x.model === mb.model && !x.error)) {
      for (const unitId of r.unitIds) {
        if (!units.has(unitId)) continue;
        const k = `${r.id}\u0000${unitId}`;
        const pb = pickUnitGrade(b.get(k) ?? [], DEFAULT_PRECEDENCE).points;
        const pa = pickUnitGrade(a.get(k) ?? [], DEFAULT_PRECEDENCE).points;
        if (pb !== pa) moved.push({ responseId: r.id, unitId, sample: r.sample, before: pb, after: pa });
      }
    }
    return { model: mb.model, before: mb.points, after: ma?.points ?? 0, maxPoints: mb.maxPoints, moved };
  });
}

/** The lines `heldout regrade` prints. */
export function regradeText(r: RegradeResult): string {
  const lines: string[] = [];
  if (!r.changed.length) {
    lines.push('nothing to regrade: every grade was made under the current exam and rubric');
    if (r.unversioned)
      lines.push(`${r.unversioned} grade(s) record no version (graded before versions existed); --all regrades them`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${r.changed.length} unit(s) changed since they were graded:`);
  for (const c of r.changed) {
    lines.push(
      `  ${c.unitId}: ${c.parts.length ? `${c.parts.join(', ')} changed` : 'regraded (--all)'}${c.staleGrades ? `; ${c.staleGrades} grade(s) stale` : ''}`,
    );
  }
  if (r.answeredEarlierText)
    lines.push(
      `${r.answeredEarlierText} answer(s) were written to an earlier text of their question; regraded as they are (rerun the models for a clean comparison)`,
    );
  if (r.dryRun) {
    lines.push('dry run: nothing was regraded');
  } else {
    lines.push(
      `auto: ${r.auto.written} grade(s) written; judges${r.judges.specs.length ? ` (${r.judges.specs.join(', ')})` : ''}: ${r.judges.graded} graded, ${r.judges.ungraded} failed`,
    );
    if (r.judges.ungraded)
      lines.push(`${r.judges.ungraded} judge grade(s) failed and stay stale: run \`heldout regrade\` again`);
    lines.push('', 'score before → after (current versions only):');
    for (const m of r.models) {
      const d = Math.round((m.after - m.before) * 1000) / 1000;
      lines.push(
        `  ${m.model}: ${m.before} → ${m.after} / ${m.maxPoints} (${d > 0 ? '+' : ''}${d})${m.moved.length ? '' : ', no unit moved'}`,
      );
      for (const u of m.moved) lines.push(`    ${u.unitId} sample ${u.sample}: ${u.before} → ${u.after}`);
    }
  }
  if (r.humanStale.length) {
    const graders = [...new Set(r.humanStale.map((h) => h.grader))];
    lines.push(
      '',
      `${r.humanStale.length} human grade(s) on changed units are stale and need review (not counted above):`,
    );
    for (const g of graders) {
      const mine = r.humanStale.filter((h) => h.grader === g);
      lines.push(
        `  ${g}: ${mine.length} on ${[...new Set(mine.map((h) => h.unitId))].join(', ')} — \`heldout grade ${r.runDir} --human --grader ${g}\` asks them again`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
