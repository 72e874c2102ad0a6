import { ExitCode } from '../../errors.js';

/**
 * `check --max-contaminated N`: how many flagged texts a CI job tolerates. Counted: exam items contaminated under
 * some rule, plus (with --run) model answers that reproduce a benchmark solution, plus (with --infini-gram) items
 * whose windows were found in the corpus. Without N, any of them fails (exit 2), as before.
 */
export function contaminationGate(
  result: {
    summary: { contaminated: number; answers?: { contaminated: number } };
    infiniGram?: { items: { found: number }[] };
  },
  max: number | undefined,
): { flagged: number; exitCode: number } {
  const flagged =
    result.summary.contaminated +
    (result.summary.answers?.contaminated ?? 0) +
    (result.infiniGram?.items.filter((i) => i.found > 0).length ?? 0);
  const limit = max ?? 0;
  return { flagged, exitCode: flagged > limit ? ExitCode.Contaminated : ExitCode.Ok };
}
