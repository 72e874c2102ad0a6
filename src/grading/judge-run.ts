import { HeldoutError } from '../errors.js';
import { examQuestions } from '../exam/model.js';
import type { ModelCaller, OpenModelOptions } from '../models/index.js';
import { gradeKey, latestGrades, readGrades, sameGrade } from '../store/grades.js';
import type { GradeRecord } from '../store/records.js';
import { gradableUnits, loadRunContext, type RunContext, type RunContextOptions, rubricFor } from './context.js';
import { GradeWriter } from './grade-writer.js';
import { type JudgeTask, judgeGraderId, judgeTask, type Reduce, reduceJudgeGrades } from './judge.js';
import { JudgeFailureWatch } from './judge-watch.js';
import { openJudges } from './open-judges.js';

export function parseReduce(text: string): Reduce {
  if (text === 'mean' || text === 'median' || text === 'majority') return text;
  throw new HeldoutError(`--reduce must be mean, median or majority (got "${text}")`);
}

export interface JudgeRunOptions extends RunContextOptions {
  judges: string[];
  reduce?: Reduce;
  concurrency?: number;
  noCache?: boolean;
  regrade?: boolean;
  /** Judge only the units whose automatic check is undetermined (`grade --auto --judge`). */
  onlyUndetermined?: boolean;
  /** Injected model callers (tests, library users); default: openModel for each spec. */
  callers?: ModelCaller[];
  openOptions?: OpenModelOptions;
  temperature?: number;
  maxTokens?: number;
  progress?: (done: number, total: number) => void;
  /** Per attempt, and retries after the first (default: the config's, else openModel's 120 s and 4). */
  timeoutMs?: number;
  maxRetries?: number;
}

export interface JudgeRunSummary {
  graded: number;
  ungraded: number;
  skipped: number;
  written: number;
  /** Units whose answer is empty or missing: recorded as unanswered by `score`, never sent to a judge. */
  unanswered: number;
  /** Judges stopped early because every call failed the same way (see judge-watch.ts), with the reason. */
  stopped: { judge: string; reason: string; notAttempted: number }[];
}

export function judgeTasks(ctx: RunContext): JudgeTask[] {
  const questions = new Map(examQuestions(ctx.exam.exam).map(({ question }) => [question.id, question]));
  const tasks: JudgeTask[] = [];
  for (const response of ctx.responses) {
    // An empty answer (a skipped question, replay's "missing") has nothing to mark: no judge call.
    if (response.error || response.text === undefined || !response.text.trim()) continue;
    for (const unit of gradableUnits(ctx, response)) {
      tasks.push({
        response,
        unit,
        question: questions.get(unit.questionId)!,
        target: rubricFor(ctx, unit.id)!,
        rubricNotes: ctx.rubric.rubric.notes,
        ...(ctx.rubric.rubric.halfPoints ? { halfPoints: true } : {}),
      });
    }
  }
  return tasks;
}

/**
 * Grades every (response, unit) of a run with each judge (through openModel's cache, retries and per-provider
 * concurrency), writing each grade as it arrives. With several judges, a combined grade per unit is written too.
 */
export async function gradeRunWithJudges(runDir: string, opts: JudgeRunOptions): Promise<JudgeRunSummary> {
  if (!opts.judges.length && !opts.callers?.length) throw new HeldoutError('--judge needs a model spec');
  const ctx = loadRunContext(runDir, opts);
  let callers = opts.callers;
  if (!callers) callers = await openJudges(opts.judges, opts);
  const watches = new Map(callers.map((c) => [c.spec, new JudgeFailureWatch(c.spec)]));
  callers = callers.map((c) => watches.get(c.spec)!.wrap(c));
  const specs = callers.map((c) => c.spec);
  const how = opts.reduce ?? 'median';
  // Lock first, then read: another grader cannot write between what this one reads and what it appends.
  const writer = new GradeWriter(ctx.runDir, false, 'grade --judge');
  const current = new Map(latestGrades(readGrades(ctx.runDir)).map((g) => [gradeKey(g), g]));
  const undetermined = (t: JudgeTask) =>
    current.get(gradeKey({ responseId: t.response.id, unitId: t.unit.id, grader: { kind: 'auto', id: 'auto' } }))
      ?.status === 'undetermined';
  const tasks = judgeTasks(ctx).filter((t) => !opts.onlyUndetermined || undetermined(t));
  const summary: JudgeRunSummary = { graded: 0, ungraded: 0, skipped: 0, written: 0, unanswered: 0, stopped: [] };
  for (const r of ctx.responses) {
    if (!r.error && r.text !== undefined && !r.text.trim()) summary.unanswered += gradableUnits(ctx, r).length;
  }
  const notAttempted = new Map<string, number>();
  const write = (raw: GradeRecord) => {
    const g = writer.bind(raw);
    const k = gradeKey(g);
    if (sameGrade(current.get(k), g)) return;
    writer.append(g);
    current.set(k, g);
    summary.written++;
  };
  let done = 0;
  try {
    await Promise.all(
      tasks.map(async (task) => {
        const perJudge = await Promise.all(
          callers.map(async (caller) => {
            const key = gradeKey({
              responseId: task.response.id,
              unitId: task.unit.id,
              grader: { kind: 'judge', id: judgeGraderId(caller.spec) },
            });
            const prev = current.get(key);
            if (prev && prev.status === 'graded' && !opts.regrade) {
              summary.skipped++;
              return prev;
            }
            const watch = watches.get(caller.spec)!;
            const g = watch.stopped
              ? undefined
              : await judgeTask(caller, task, { temperature: opts.temperature, maxTokens: opts.maxTokens });
            // Cancelled by the fast stop: not a grade, not written (the stop is reported instead).
            if (!g || (watch.stopped && g.status !== 'graded' && /cancelled/.test(g.note ?? ''))) {
              notAttempted.set(caller.spec, (notAttempted.get(caller.spec) ?? 0) + 1);
              return { ...(g ?? placeholder(task, caller.spec)), status: 'ungraded' as const };
            }
            summary[g.status === 'graded' ? 'graded' : 'ungraded']++;
            write(g);
            return g;
          }),
        );
        if (callers.length > 1) write(reduceJudgeGrades(perJudge, task.target, task.unit.points, how, specs));
        done++;
        opts.progress?.(done, tasks.length);
      }),
    );
  } finally {
    writer.close();
  }
  for (const [spec, watch] of watches) {
    if (watch.reason)
      summary.stopped.push({ judge: spec, reason: watch.reason, notAttempted: notAttempted.get(spec) ?? 0 });
  }
  return summary;
}

function placeholder(task: JudgeTask, spec: string): GradeRecord {
  return {
    responseId: task.response.id,
    unitId: task.unit.id,
    grader: { kind: 'judge', id: judgeGraderId(spec) },
    status: 'ungraded',
    items: {},
    total: 0,
    maxPoints: task.unit.points,
    note: 'not attempted: the judge was stopped',
    at: new Date().toISOString(),
  };
}
