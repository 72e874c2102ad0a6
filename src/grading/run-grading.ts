import type { GradeRecord } from '../store/records.js';
import { type AutoSummary, gradeAuto } from './auto.js';
import { loadRunContext, type RunContext, type RunContextOptions } from './context.js';
import { type ScoreOptions, type ScoreReport, scoreExam } from './score.js';
import { GradeWriter, gradeKey, latestGrades, readGrades, sameGrade } from './store.js';

/** I/O around the pure graders: load a run, grade, append to grades.jsonl. */

/** Appends the grades that differ from the grader's current ones; returns how many were written. */
export function appendGrades(runDir: string, grades: GradeRecord[]): number {
  if (!grades.length) return 0;
  const current = new Map(latestGrades(readGrades(runDir, { repair: true })).map((g) => [gradeKey(g), g]));
  const writer = new GradeWriter(runDir, false);
  let written = 0;
  try {
    for (const g of grades) {
      if (sameGrade(current.get(gradeKey(g)), g)) continue;
      writer.append(g);
      written++;
    }
  } finally {
    writer.close();
  }
  return written;
}

export function gradeRunAuto(
  runDir: string,
  opts: RunContextOptions = {},
): AutoSummary & { written: number; ctx: RunContext } {
  const ctx = loadRunContext(runDir, opts);
  const { grades, summary } = gradeAuto(ctx);
  return { ...summary, written: appendGrades(ctx.runDir, grades), ctx };
}

export function scoreRun(runDir: string, opts: RunContextOptions & ScoreOptions = {}): ScoreReport {
  const ctx = loadRunContext(runDir, opts);
  return scoreExam(ctx.exam.exam, [...ctx.units.values()], ctx.responses, readGrades(ctx.runDir), opts);
}
