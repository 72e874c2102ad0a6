import type { VersionedScoreReport } from './score-run.js';

/** Which exam and rubric version each model's grades were made under, and the stale grades counted anyway. */
export function scoreVersionsText(report: VersionedScoreReport): string {
  const v = report.versions;
  const lines = [`Exam version ${v.exam}${v.rubric ? `, rubric version ${v.rubric}` : ''} (now).`];
  for (const m of report.models) {
    const made = v.perModel[m.model] ?? [];
    if (!made.length) continue;
    const parts = made.map(
      (x) => `${x.grades} grade(s) under exam ${x.exam ?? 'unrecorded'}, rubric ${x.rubric ?? 'unrecorded'}`,
    );
    lines.push(`${m.model}: ${parts.join('; ')}`);
  }
  if (v.stale.length) {
    const units = [...new Set(v.stale.map((s) => s.unitId))];
    lines.push(
      `STALE: ${v.stale.length} counted grade(s) were made under an earlier version of unit(s) ${units.join(', ')} (--allow-stale); run \`heldout regrade\``,
    );
  }
  return `${lines.join('\n')}\n`;
}
