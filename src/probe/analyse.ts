import { DEFAULT_K, minKMean } from './min-k.js';
import type { ProbeManifest, ProbeRecord } from './records.js';
import { aurocWithCi, fisherGreater, mcnemarGreater, poissonBinomialGreater, wilson } from './stats.js';

/**
 * Turns probe records into findings: rates with 95% intervals, the tests behind each flag, and AUROCs. Pure: the
 * report and the CLI both call it on what is in the run directory.
 */

export interface RateStat {
  n: number;
  /** Exact or near-exact reproductions (guided), or exact fills (TS-Guessing). */
  matches: number;
  exact: number;
  rate: number;
  ci: [number, number];
  meanRougeL?: number;
}

export interface GuidedFinding {
  source: string;
  dataset: string;
  guided: RateStat;
  general: RateStat;
  /** One-sided exact McNemar test, guided vs general on the same items. */
  pGeneral: number;
  /** One-sided Fisher's exact test, this benchmark's guided rate vs the control exam's. */
  pControl?: number;
  flagged: boolean;
  /** Items reproduced under the guided instruction: the evidence to read. */
  found: { itemId: string; exact: boolean; rougeL: number; text: string; reference: string }[];
}

export interface TsFinding {
  source: string;
  stat: RateStat;
  /** Mean chance of guessing the masked option without memory, and the exact matches it predicts. */
  chanceRate: number;
  expected: number;
  /** P(at least this many exact fills | chance alone), Poisson-binomial. */
  p: number;
  flagged: boolean;
  found: { itemId: string; text: string; reference: string }[];
}

export interface AucStat {
  auroc: number;
  ci: [number, number];
}

export interface MinKFinding {
  source: string;
  nBenchmark: number;
  nControl: number;
  minK?: AucStat;
  /** Undefined when the server returned no top alternatives. */
  minKpp?: AucStat;
  /** The interval lies above 0.5 (benchmark items look more familiar than the control's). */
  separates: boolean;
}

export interface ModelFindings {
  model: string;
  guided: GuidedFinding[];
  control?: { dataset: string; guided: RateStat; general: RateStat };
  tsGuessing: TsFinding[];
  minK: MinKFinding[];
  /** Failed calls (left out of every rate; `--resume --retry-failed` redoes them). */
  failed: number;
  flagged: boolean;
  reasons: string[];
}

export interface MemorisationFindings {
  alpha: number;
  k: number;
  seed: number;
  n: number;
  models: ModelFindings[];
}

function rate(records: ProbeRecord[], hit: (r: ProbeRecord) => boolean): RateStat {
  const ok = records.filter((r) => !r.error && r.scores);
  const matches = ok.filter(hit).length;
  const exact = ok.filter((r) => r.scores?.exact).length;
  const rouge = ok.map((r) => r.scores?.rougeL).filter((v): v is number => v !== undefined);
  return {
    n: ok.length,
    matches,
    exact,
    rate: ok.length ? matches / ok.length : 0,
    ci: wilson(matches, ok.length),
    ...(rouge.length ? { meanRougeL: rouge.reduce((a, b) => a + b, 0) / rouge.length } : {}),
  };
}

const isMatch = (r: ProbeRecord) => Boolean(r.scores?.match ?? r.scores?.exact);

export function analyseProbes(manifest: ProbeManifest, records: ProbeRecord[]): MemorisationFindings {
  // Records arrive in completion order, which differs between runs: sort, so the findings (and float sums) do not.
  const order = new Intl.Collator('en', { numeric: true });
  const all = [...records].sort((a, b) => order.compare(a.id, b.id));
  const { alpha, k } = manifest.params;
  const datasetOf = new Map(manifest.benchmarks.map((b) => [b.label, b.name]));
  const models = [...new Set([...manifest.models.map((m) => m.spec), ...all.map((r) => r.model)])];
  return {
    alpha,
    k,
    seed: manifest.params.seed,
    n: manifest.params.n,
    models: models.map((model) => {
      const mine = all.filter((r) => r.model === model);
      const of = (probe: string, set: string, source?: string, variant?: string) =>
        mine.filter(
          (r) =>
            r.probe === probe &&
            r.set === set &&
            (source === undefined || r.source === source) &&
            (variant === undefined || r.variant === variant),
        );
      const asked = mine.some((r) => r.probe === 'guided' && r.set === 'control');
      const control =
        manifest.control && asked
          ? {
              dataset: manifest.control.title,
              guided: rate(of('guided', 'control', undefined, 'guided'), isMatch),
              general: rate(of('guided', 'control', undefined, 'general'), isMatch),
            }
          : undefined;
      const hasControl = control && control.guided.n > 0;
      const sources = [...new Set(mine.filter((r) => r.set === 'benchmark').map((r) => r.source))];
      const guided: GuidedFinding[] = [];
      const tsGuessing: TsFinding[] = [];
      const minK: MinKFinding[] = [];
      for (const source of sources) {
        const g = of('guided', 'benchmark', source, 'guided').filter((r) => !r.error);
        const gen = of('guided', 'benchmark', source, 'general').filter((r) => !r.error);
        if (g.length) {
          const genById = new Map(gen.map((r) => [r.itemId, r]));
          let onlyGuided = 0;
          let onlyGeneral = 0;
          for (const r of g) {
            const other = genById.get(r.itemId);
            if (!other) continue;
            if (isMatch(r) && !isMatch(other)) onlyGuided++;
            if (!isMatch(r) && isMatch(other)) onlyGeneral++;
          }
          const gs = rate(g, isMatch);
          const pGeneral = mcnemarGreater(onlyGuided, onlyGeneral);
          const pControl = hasControl
            ? fisherGreater(gs.matches, gs.n, control.guided.matches, control.guided.n)
            : undefined;
          guided.push({
            source,
            dataset: datasetOf.get(source) ?? source,
            guided: gs,
            general: rate(gen, isMatch),
            pGeneral,
            pControl,
            flagged: pGeneral < alpha && pControl !== undefined && pControl < alpha,
            found: g.filter(isMatch).map((r) => ({
              itemId: r.itemId,
              exact: Boolean(r.scores?.exact),
              rougeL: r.scores?.rougeL ?? 0,
              text: r.text ?? '',
              reference: r.reference ?? '',
            })),
          });
        }
        const ts = of('ts-guessing', 'benchmark', source).filter((r) => !r.error);
        if (ts.length) {
          const stat = rate(ts, (r) => Boolean(r.scores?.exact));
          const chances = ts.map((r) => r.chance ?? 0);
          const expected = chances.reduce((a, b) => a + b, 0);
          const p = poissonBinomialGreater(stat.exact, chances);
          tsGuessing.push({
            source,
            stat,
            chanceRate: expected / ts.length,
            expected,
            p,
            flagged: p < alpha,
            found: ts
              .filter((r) => r.scores?.exact)
              .map((r) => ({ itemId: r.itemId, text: r.text ?? '', reference: r.reference ?? '' })),
          });
        }
        const mk = of('min-k', 'benchmark', source).filter((r) => !r.error && r.logprobs?.length);
        const ctl = of('min-k', 'control').filter((r) => !r.error && r.logprobs?.length);
        if (mk.length) {
          const score = (rs: ProbeRecord[], f: (r: ProbeRecord) => number | undefined) =>
            rs.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
          const lp = (r: ProbeRecord) => minKMean(r.logprobs ?? [], k);
          const zp = (r: ProbeRecord) => {
            const z = (r.zscores ?? []).filter((v): v is number => v !== null);
            return z.length ? minKMean(z, k) : undefined;
          };
          const seed = manifest.params.seed;
          const auc = (f: (r: ProbeRecord) => number | undefined): AucStat | undefined => {
            const pos = score(mk, f);
            const neg = score(ctl, f);
            return pos.length && neg.length ? aurocWithCi(pos, neg, { seed }) : undefined;
          };
          const a = auc(lp);
          const b = auc(zp);
          minK.push({
            source,
            nBenchmark: mk.length,
            nControl: ctl.length,
            minK: a,
            minKpp: b,
            separates: Boolean((b ?? a) && (b ?? a)!.ci[0] > 0.5),
          });
        }
      }
      const reasons = [
        ...guided
          .filter((f) => f.flagged)
          .map(
            (f) =>
              `guided completion reproduces ${f.dataset} items: ${f.guided.matches}/${f.guided.n} vs ${f.general.matches}/${f.general.n} without its name (${pText(f.pGeneral)}) and ${control?.guided.matches}/${control?.guided.n} on the control exam (${pText(f.pControl ?? 1)})`,
          ),
        ...tsGuessing
          .filter((f) => f.flagged)
          .map(
            (f) =>
              `TS-Guessing fills ${f.stat.exact}/${f.stat.n} masked ${f.source} options exactly, chance predicts ${f.expected.toFixed(1)} (${pText(f.p)})`,
          ),
      ];
      return {
        model,
        guided,
        control,
        tsGuessing,
        minK,
        failed: mine.filter((r) => r.error).length,
        flagged: reasons.length > 0,
        reasons,
      };
    }),
  };
}

/** `p < 0.0001` or `p = 0.003`. */
export function pText(p: number): string {
  const v = fmtP(p);
  return v.startsWith('<') ? `p ${v}` : `p = ${v}`;
}

export function fmtP(p: number): string {
  if (p < 0.0001) return '< 0.0001';
  return p < 0.01 ? p.toPrecision(2) : p.toFixed(3);
}

export { DEFAULT_K };
