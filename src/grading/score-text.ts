import type { ModelScore, ScoreReport } from './score.js';

/**
 * Score reports as text and markdown. A score that covers only part of the marks (the checker awards only `auto`
 * items) says so beside the number, undetermined units are counted apart from wrong ones, and final-answer accuracy
 * stands apart from rubric points.
 */

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** "42 / 100", marked when the graders behind it could not award every mark. */
export function pointsCell(m: ModelScore): string {
  const base = `${m.points} / ${m.maxPoints - (m.coverage.excludedMax ?? 0)}`;
  return m.coverage.complete ? base : `${base} (partial: ${m.coverage.coveredMax} checked)`;
}

export function accuracyCell(m: ModelScore): string {
  const a = m.accuracy;
  if (!a || a.perSample.accuracy === null) return '';
  // A range when some answers are undetermined: what it is now, and what it would be if they were all right.
  const range = (r: { accuracy: number | null; upper: number | null }) =>
    r.accuracy === null
      ? '—'
      : r.upper !== null && r.upper > r.accuracy
        ? `${pct(r.accuracy)}–${pct(r.upper)}`
        : pct(r.accuracy);
  const parts = [`${range(a.perSample)} of ${a.perSample.total}`];
  if (a.samples > 1) parts.push(`maj ${range(a.majority)}`);
  if (a.passAtK) parts.push(`pass@${a.passAtK.k} ${pct(a.passAtK.value)}`);
  return parts.join(', ');
}

/** Sentences under the table: coverage, what awaits review, what counted 0 without a grade. */
export function scoreNotes(report: ScoreReport): string[] {
  const notes: string[] = [];
  const partial = report.models.filter((m) => !m.coverage.complete);
  if (partial.length) {
    const rubric = report.rubric
      ? ` The checker awards only the rubric's auto items: auto covers ${report.rubric.autoPoints} of ${report.rubric.rubricPoints} rubric points.`
      : '';
    notes.push(
      `Partial scores: the grades behind ${partial.map((m) => m.model).join(', ')} could award only part of the marks ` +
        `(the "checked" figure); the rest was not graded, so these are not full marks.${rubric}`,
    );
  }
  const waiting = report.models.reduce((s, m) => s + m.ungraded.undetermined, 0);
  if (waiting) {
    const how =
      report.undetermined === 'exclude'
        ? 'they are left out of the maximum (--undetermined exclude)'
        : 'they count 0 here (--undetermined zero); --undetermined exclude leaves them out, fail stops';
    notes.push(`${waiting} unit(s) await review: the checker could not decide them; ${how}.`);
  }
  const gaps = report.models.reduce((s, m) => s + m.ungraded.ungraded + m.ungraded.missing, 0);
  if (gaps) notes.push(`${gaps} unit answer(s) have no grade (ungraded or never graded) and count 0.`);
  const failed = report.models.reduce((s, m) => s + m.ungraded.failedResponses, 0);
  if (failed) notes.push(`${failed} response(s) failed and count 0: heldout run --resume <run> --retry-failed.`);
  return notes;
}

export const SCORE_COLUMNS = [
  'model',
  'points',
  '%',
  'samples',
  '95% CI',
  'undetermined',
  'ungraded',
  'missing',
  'failed',
  'unanswered',
  'final-answer accuracy',
];

export function scoreRows(report: ScoreReport): (string | number)[][] {
  return report.models.map((m) => {
    const u = m.ungraded;
    return [
      m.model,
      pointsCell(m),
      m.percent,
      m.samples,
      m.ci95 ? `${m.ci95[0]}–${m.ci95[1]}` : '',
      u.undetermined,
      u.ungraded,
      u.missing,
      u.failedResponses,
      u.unanswered,
      accuracyCell(m),
    ];
  });
}

/** Markdown summary of a score report. */
export function scoreMarkdown(report: ScoreReport): string {
  const lines: string[] = [];
  lines.push(`# Scores: ${report.exam.title} (${report.exam.id}), ${report.exam.maxPoints} points`, '');
  lines.push(`Grader precedence: ${report.precedence.join(' > ')}.`, '');
  lines.push(`| ${SCORE_COLUMNS.join(' | ')} |`);
  lines.push(`| ${SCORE_COLUMNS.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const row of scoreRows(report)) lines.push(`| ${row.join(' | ')} |`);
  const notes = scoreNotes(report);
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  for (const m of report.models) {
    lines.push('', `## ${m.model}`, '');
    lines.push(`Parts: ${m.parts.map((p) => `${p.id} ${p.points}/${p.maxPoints}`).join(', ')}`, '');
    lines.push('| question | points | max | grader | counted | units without a grade |');
    lines.push('| --- | ---: | ---: | --- | --- | ---: |');
    for (const q of m.questions) {
      lines.push(
        `| ${q.id} | ${q.points} | ${q.maxPoints} | ${q.grader ?? '—'} | ${q.counted ? 'yes' : 'no'} | ${q.ungradedUnits || ''} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
