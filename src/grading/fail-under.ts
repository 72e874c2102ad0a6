import type { ScoreReport } from './score.js';

/** `score --fail-under P`: the models whose percent is below P (CI fails the build on any). */
export function modelsBelow(
  report: Pick<ScoreReport, 'models'>,
  failUnder: number,
): { model: string; percent: number }[] {
  return report.models.filter((m) => m.percent < failUnder).map((m) => ({ model: m.model, percent: m.percent }));
}
