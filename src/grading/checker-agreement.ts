import type { GradeRecord, VerdictOutcome } from '../store/records.js';

/**
 * The checker against each human grader, on one scale: the checker's verdict on the final answer (correct,
 * incorrect, undetermined) against the human's mark for the unit (full, partial, zero). Cohen's κ is taken on the
 * units both decide (checker correct/incorrect, human full/zero); every disagreement (a right answer marked 0, a wrong
 * one given full marks) is listed with both verdicts.
 */

export type HumanMark = 'full' | 'partial' | 'zero';

export interface CheckerDisagreement {
  responseId: string;
  unitId: string;
  checker: VerdictOutcome;
  human: HumanMark;
  humanPoints: number;
  maxPoints: number;
  extracted?: string;
  key?: string;
  reason?: string;
}

export interface CheckerAgreement {
  human: string;
  /** matrix[checker][human]: counts of units graded by both. */
  matrix: Record<VerdictOutcome, Record<HumanMark, number>>;
  /** Units both decided (checker correct/incorrect, human full/zero), and how many of those agree. */
  decided: number;
  agreement: number | null;
  kappa: number | null;
  /** Share of the human's full marks that the checker left undetermined. */
  undeterminedOnFull: number | null;
  disagreements: CheckerDisagreement[];
}

export function humanMark(g: Pick<GradeRecord, 'total' | 'maxPoints'>): HumanMark {
  if (g.total <= 1e-9) return 'zero';
  return g.total >= g.maxPoints - 1e-9 ? 'full' : 'partial';
}

/** Cohen's κ for two raters and two categories, from the 2×2 table [[a, b], [c, d]]. */
export function cohensKappa(a: number, b: number, c: number, d: number): number | null {
  const n = a + b + c + d;
  if (!n) return null;
  const po = (a + d) / n;
  const pe = ((a + b) * (a + c) + (c + d) * (b + d)) / (n * n);
  return pe >= 1 - 1e-12 ? null : (po - pe) / (1 - pe);
}

const r = (x: number) => Math.round(x * 10000) / 10000;

export function checkerAgreement(latest: GradeRecord[]): CheckerAgreement[] {
  const verdicts = new Map<string, GradeRecord>();
  for (const g of latest)
    if (g.grader.kind === 'auto' && g.verdict) verdicts.set(`${g.responseId}\u0000${g.unitId}`, g);
  const humans = [...new Set(latest.filter((g) => g.grader.kind === 'human').map((g) => g.grader.id))].sort();
  return humans.map((human) => {
    const empty = () => ({ full: 0, partial: 0, zero: 0 });
    const matrix = { correct: empty(), incorrect: empty(), undetermined: empty() };
    const disagreements: CheckerDisagreement[] = [];
    for (const h of latest) {
      if (h.grader.id !== human || h.grader.kind !== 'human' || h.status !== 'graded') continue;
      const auto = verdicts.get(`${h.responseId}\u0000${h.unitId}`);
      if (!auto?.verdict) continue;
      const v = auto.verdict;
      const mark = humanMark(h);
      matrix[v.outcome][mark]++;
      // Partial marks fit either verdict (a right answer with thin working, a wrong one with good working), and
      // undetermined is no verdict: a disagreement is a right answer marked 0, or a wrong one given full marks.
      const disagrees = (v.outcome === 'correct' && mark === 'zero') || (v.outcome === 'incorrect' && mark === 'full');
      if (disagrees)
        disagreements.push({
          responseId: h.responseId,
          unitId: h.unitId,
          checker: v.outcome,
          human: mark,
          humanPoints: h.total,
          maxPoints: h.maxPoints,
          ...(v.extracted !== undefined ? { extracted: v.extracted } : {}),
          ...(v.key !== undefined ? { key: v.key } : {}),
          ...(v.reason ? { reason: v.reason } : {}),
        });
    }
    const a = matrix.correct.full;
    const b = matrix.correct.zero;
    const c = matrix.incorrect.full;
    const d = matrix.incorrect.zero;
    const decided = a + b + c + d;
    const fulls = matrix.correct.full + matrix.incorrect.full + matrix.undetermined.full;
    const kappa = cohensKappa(a, b, c, d);
    return {
      human,
      matrix,
      decided,
      agreement: decided ? r((a + d) / decided) : null,
      kappa: kappa === null ? null : r(kappa),
      undeterminedOnFull: fulls ? r(matrix.undetermined.full / fulls) : null,
      disagreements,
    };
  });
}

export function checkerAgreementText(rows: CheckerAgreement[]): string[] {
  const out: string[] = [];
  for (const c of rows) {
    const m = c.matrix;
    out.push(`checker vs ${c.human} (final answer against the human's mark for the unit)`);
    out.push('                 full  partial  zero');
    for (const k of ['correct', 'incorrect', 'undetermined'] as const)
      out.push(
        `  ${k.padEnd(13)} ${String(m[k].full).padStart(5)} ${String(m[k].partial).padStart(8)} ${String(m[k].zero).padStart(5)}`,
      );
    const f = (x: number | null) => (x === null ? '—' : String(x));
    out.push(
      `  both decide: n=${c.decided}  agreement=${f(c.agreement)}  kappa=${f(c.kappa)}  undetermined on full marks=${f(c.undeterminedOnFull)}`,
    );
    for (const d of c.disagreements.slice(0, 20))
      out.push(
        `  ${d.responseId} ${d.unitId}: checker ${d.checker}${d.extracted !== undefined ? ` (read ${JSON.stringify(d.extracted)}, key ${d.key})` : ''}; ${c.human} ${d.humanPoints}/${d.maxPoints}`,
      );
    if (c.disagreements.length > 20) out.push(`  … ${c.disagreements.length - 20} more in --json`);
    out.push('');
  }
  return out;
}
