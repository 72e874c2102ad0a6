import { type MemorisationFindings, pText, type RateStat } from './analyse.js';
import type { CostEstimate } from './plan.js';

/** The terminal summary of `heldout probe`. */

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const rateText = (s: RateStat) => `${s.matches}/${s.n} = ${pct(s.rate)} [${pct(s.ci[0])}, ${pct(s.ci[1])}]`;

export function estimateText(e: CostEstimate): string {
  const money = (c: number | undefined) => (c === undefined ? 'unknown (no prices in the config)' : `$${c.toFixed(4)}`);
  const lines = [
    `heldout: probe plan: ${e.calls} call(s), about ${e.inputTokens} input and ${e.outputTokens} output tokens, estimated cost ${money(e.cost)} (before the cache)`,
  ];
  if (e.perModel.length > 1) {
    for (const m of e.perModel) lines.push(`  ${m.model}: ${m.calls} call(s), ${money(m.cost)}`);
  }
  return lines.join('\n');
}

export function findingsText(f: MemorisationFindings): string {
  const out: string[] = [];
  for (const m of f.models) {
    out.push(`${m.model}: ${m.flagged ? 'MEMORISATION FOUND' : 'no significant memorisation found'}`);
    for (const r of m.reasons) out.push(`  ! ${r}`);
    if (m.control) {
      out.push(
        `  control (${m.control.dataset}): guided ${rateText(m.control.guided)}, general ${rateText(m.control.general)}`,
      );
    }
    for (const g of m.guided) {
      out.push(
        `  guided completion, ${g.dataset}: with its name ${rateText(g.guided)}; without ${rateText(g.general)}; ${pText(g.pGeneral)} vs general${g.pControl !== undefined ? `, ${pText(g.pControl)} vs control` : ''}${g.flagged ? '  ← flagged' : ''}`,
      );
    }
    for (const t of m.tsGuessing) {
      out.push(
        `  TS-Guessing, ${t.source}: exact fills ${t.stat.exact}/${t.stat.n} = ${pct(t.stat.rate)} [${pct(t.stat.ci[0])}, ${pct(t.stat.ci[1])}], chance ${pct(t.chanceRate)} (${t.expected.toFixed(1)} expected), ${pText(t.p)}${t.flagged ? '  ← flagged' : ''}`,
      );
    }
    for (const k of m.minK) {
      const auc = (a?: { auroc: number; ci: [number, number] }) =>
        a ? `${a.auroc.toFixed(3)} [${a.ci[0].toFixed(3)}, ${a.ci[1].toFixed(3)}]` : 'n/a';
      out.push(
        `  Min-K% (k = ${Math.round(f.k * 100)}%), ${k.source} (${k.nBenchmark}) vs control (${k.nControl}): AUROC ${auc(k.minK)}; Min-K%++ ${auc(k.minKpp)}`,
      );
    }
    if (m.failed) out.push(`  ${m.failed} call(s) failed and are left out of the rates`);
  }
  return out.join('\n');
}
