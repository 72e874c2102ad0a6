import { truncateForDisplay } from '../html/escape.js';
import { fmtP, type MemorisationFindings, type RateStat } from '../probe/analyse.js';

/**
 * The report's "Memorisation" section: what `heldout probe` found in this run directory, as display-ready rows.
 * Model output (continuations, fills) is passed as data and escaped by the template.
 */

export const MEMORISATION_TITLE = 'Memorisation';

export interface MemorisationView {
  seed: number;
  n: number;
  alpha: string;
  k: number;
  models: {
    label: string;
    spec: string;
    flagged: boolean;
    reasons: string[];
    failed: number;
    guided: {
      dataset: string;
      guided: string;
      general: string;
      control: string;
      pGeneral: string;
      pControl: string;
      flagged: boolean;
      found: { itemId: string; exact: boolean; rougeL: string; text: string; reference: string }[];
      total: number;
      more: number;
    }[];
    control?: { dataset: string; guided: string; general: string };
    ts: {
      source: string;
      rate: string;
      chance: string;
      expected: string;
      p: string;
      flagged: boolean;
      found: { itemId: string; text: string; reference: string }[];
      total: number;
      more: number;
    }[];
    minK: { source: string; nBenchmark: number; nControl: number; minK: string; minKpp: string; separates: boolean }[];
  }[];
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const rate = (s: RateStat) => `${s.matches}/${s.n} = ${pct(s.rate)} [${pct(s.ci[0])}, ${pct(s.ci[1])}]`;
const auc = (a?: { auroc: number; ci: [number, number] }) =>
  a ? `${a.auroc.toFixed(3)} [${a.ci[0].toFixed(3)}, ${a.ci[1].toFixed(3)}]` : '–';
const cut = (s: string) => truncateForDisplay(s, 1200).text;
/** Evidence shown per benchmark; the rest is in probes.jsonl. */
const SHOWN = 12;

export function memorisationView(f: MemorisationFindings, label: (spec: string) => string): MemorisationView {
  return {
    seed: f.seed,
    n: f.n,
    alpha: String(f.alpha),
    k: Math.round(f.k * 100),
    models: f.models.map((m) => ({
      label: label(m.model),
      spec: m.model,
      flagged: m.flagged,
      reasons: m.reasons,
      failed: m.failed,
      control: m.control
        ? { dataset: m.control.dataset, guided: rate(m.control.guided), general: rate(m.control.general) }
        : undefined,
      guided: m.guided.map((g) => ({
        dataset: g.dataset,
        guided: rate(g.guided),
        general: rate(g.general),
        control: m.control ? rate(m.control.guided) : '–',
        pGeneral: fmtP(g.pGeneral),
        pControl: g.pControl === undefined ? '–' : fmtP(g.pControl),
        flagged: g.flagged,
        found: g.found.slice(0, SHOWN).map((x) => ({
          itemId: x.itemId,
          exact: x.exact,
          rougeL: x.rougeL.toFixed(2),
          text: cut(x.text),
          reference: cut(x.reference),
        })),
        total: g.found.length,
        more: Math.max(0, g.found.length - SHOWN),
      })),
      ts: m.tsGuessing.map((t) => ({
        source: t.source,
        rate: `${t.stat.exact}/${t.stat.n} = ${pct(t.stat.rate)} [${pct(t.stat.ci[0])}, ${pct(t.stat.ci[1])}]`,
        chance: pct(t.chanceRate),
        expected: t.expected.toFixed(1),
        p: fmtP(t.p),
        flagged: t.flagged,
        found: t.found
          .slice(0, SHOWN)
          .map((x) => ({ itemId: x.itemId, text: cut(x.text), reference: cut(x.reference) })),
        total: t.found.length,
        more: Math.max(0, t.found.length - SHOWN),
      })),
      minK: m.minK.map((k) => ({
        source: k.source,
        nBenchmark: k.nBenchmark,
        nControl: k.nControl,
        minK: auc(k.minK),
        minKpp: auc(k.minKpp),
        separates: k.separates,
      })),
    })),
  };
}
