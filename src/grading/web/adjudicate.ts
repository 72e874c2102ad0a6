import type { GradeRecord } from '../../store/records.js';

/**
 * Which grades of one unit disagree. People and judges grade the whole rubric, so their totals compare; the
 * automatic check totals only its `auto` items, so it is not compared (its verdict is shown instead); an
 * adjudicated grade settles a disagreement rather than taking part in one. When a combined judge record
 * (`judges:…`) exists, it speaks for the individual judges.
 */
export function comparableGrades(grades: Iterable<GradeRecord>): GradeRecord[] {
  const graded = [...grades].filter(
    (g) => g.status === 'graded' && (g.grader.kind === 'human' || g.grader.kind === 'judge'),
  );
  const combined = graded.some((g) => g.grader.id.startsWith('judges:'));
  return graded.filter((g) => !combined || g.grader.kind !== 'judge' || g.grader.id.startsWith('judges:'));
}

/** The comparable grades when their totals differ; undefined when they agree (or fewer than two exist). */
export function disagreement(grades: Iterable<GradeRecord>): GradeRecord[] | undefined {
  const g = comparableGrades(grades);
  return new Set(g.map((x) => x.total)).size > 1 ? g : undefined;
}
