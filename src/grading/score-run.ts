import { loadRunContext, type RunContextOptions } from './context.js';
import { type ScoreOptions, type ScoreReport, scoreExam } from './score.js';
import { readGrades } from './store.js';

/** Loads a run and its grades and scores it. */
export function scoreRun(runDir: string, opts: RunContextOptions & ScoreOptions = {}): ScoreReport {
  const ctx = loadRunContext(runDir, { rubricOptional: true, ...opts });
  return scoreExam(ctx.exam.exam, [...ctx.units.values()], ctx.responses, readGrades(ctx.runDir), {
    ...(ctx.rubric.file === '(no rubric)' ? {} : { marking: ctx.rubric.rubric.marking }),
    ...opts,
  });
}
