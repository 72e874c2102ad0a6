import type { ReportInputs } from './inputs.js';
import type { ModelRef } from './model-names.js';

/** The demo's example human grader: its grades are fictional. */
export const EXAMPLE_HUMAN_GRADER = 'example-human';

/** The example data that ships with heldout is fictional: say so wherever it is shown. */
export function fictionalData(inputs: ReportInputs, models: ModelRef[]): string[] {
  const out = [...(inputs.fictional ?? [])];
  const sheets = models.filter((m) => /^replay:(.*[\\/])?examples[\\/]answers[\\/]/.test(m.spec));
  if (sheets.length && !out.some((f) => /^The answers of /.test(f))) {
    out.push(
      `The answers of ${sheets.map((m) => m.label).join(', ')} are example answer sheets written by hand (examples/answers/), not model outputs.`,
    );
  }
  if (
    inputs.grades.some((g) => g.grader.id === EXAMPLE_HUMAN_GRADER) &&
    !out.some((f) => /^The human grades /.test(f))
  ) {
    out.push(`The human grades by "${EXAMPLE_HUMAN_GRADER}" are fictional example grades (examples/human-grades.csv).`);
  }
  if (
    inputs.benchmarksFile &&
    /(^|[\\/])examples[\\/]benchmark-scores\.csv$/.test(inputs.benchmarksFile) &&
    !out.some((f) => /benchmark scores/.test(f))
  ) {
    out.push(`The public benchmark scores in ${inputs.benchmarksFile} are fictional example scores.`);
  }
  return out;
}
