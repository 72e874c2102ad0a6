import { latestGrades, readGrades } from '../store/grades.js';
import type { GradeRecord } from '../store/records.js';
import { type CheckerAgreement, checkerAgreement, checkerAgreementText } from './checker-agreement.js';
import { loadRunContext } from './context.js';

/**
 * Inter-grader agreement: for every pair of graders, per rubric item and per question, the mean absolute
 * difference in points, the exact-agreement rate, quadratic-weighted Cohen's kappa and Krippendorff's
 * alpha (interval metric).
 */

export interface AgreementStats {
  /** Pairs compared. */
  n: number;
  meanAbsDiff: number | null;
  exactAgreement: number | null;
  /** Quadratic-weighted Cohen's kappa; null when undefined (e.g. both graders gave one constant value). */
  kappa: number | null;
  /** Krippendorff's alpha, interval metric; null when undefined. */
  alpha: number | null;
}

/**
 * Quadratic-weighted kappa with the points themselves as the weights' scale: 1 − Σ(a−b)² / Σᵢⱼ(aᵢ−bⱼ)²/n,
 * which equals Cohen's (1968) 1 − Σ wᵢⱼOᵢⱼ / Σ wᵢⱼEᵢⱼ with wᵢⱼ = (i−j)² and E from the marginals.
 */
export function weightedKappa(pairs: [number, number][]): number | null {
  const n = pairs.length;
  if (n === 0) return null;
  let obs = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  for (const [a, b] of pairs) {
    obs += (a - b) ** 2;
    sa += a;
    sb += b;
    saa += a * a;
    sbb += b * b;
  }
  obs /= n;
  // Mean over all n² cross pairs of (aᵢ − bⱼ)².
  const exp = saa / n + sbb / n - (2 * sa * sb) / (n * n);
  if (exp <= 1e-12) return null;
  return 1 - obs / exp;
}

export type AlphaMetric = 'interval' | 'nominal';

/**
 * Krippendorff's alpha for any number of coders with missing values: `units[u]` holds the values coders gave
 * unit u (null = missing). Units with fewer than two values are not pairable and are dropped.
 */
export function krippendorffAlpha(units: (number | null)[][], metric: AlphaMetric = 'interval'): number | null {
  const pairable = units
    .map((u) => u.filter((v): v is number => v !== null && Number.isFinite(v)))
    .filter((u) => u.length >= 2);
  const n = pairable.reduce((s, u) => s + u.length, 0);
  if (n < 2) return null;
  const delta = (a: number, b: number) => (metric === 'interval' ? (a - b) ** 2 : a === b ? 0 : 1);
  let dO = 0;
  for (const u of pairable) {
    let s = 0;
    for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) if (i !== j) s += delta(u[i], u[j]);
    dO += s / (u.length - 1);
  }
  dO /= n;
  const all = pairable.flat();
  let sumPairs: number;
  if (metric === 'interval') {
    const s1 = all.reduce((a, b) => a + b, 0);
    const s2 = all.reduce((a, b) => a + b * b, 0);
    sumPairs = 2 * n * s2 - 2 * s1 * s1;
  } else {
    const counts = new Map<number, number>();
    for (const v of all) counts.set(v, (counts.get(v) ?? 0) + 1);
    sumPairs = n * n - [...counts.values()].reduce((s, c) => s + c * c, 0);
  }
  const dE = sumPairs / (n * (n - 1));
  if (dE <= 1e-12) return null;
  return 1 - dO / dE;
}

export function pairStats(pairs: [number, number][]): AgreementStats {
  const n = pairs.length;
  if (n === 0) return { n, meanAbsDiff: null, exactAgreement: null, kappa: null, alpha: null };
  const r = (x: number | null) => (x === null ? null : Math.round(x * 10000) / 10000);
  return {
    n,
    meanAbsDiff: r(pairs.reduce((s, [a, b]) => s + Math.abs(a - b), 0) / n),
    exactAgreement: r(pairs.filter(([a, b]) => Math.abs(a - b) < 1e-9).length / n),
    kappa: r(weightedKappa(pairs)),
    alpha: r(krippendorffAlpha(pairs.map(([a, b]) => [a, b]))),
  };
}

export interface GraderInfo {
  id: string;
  kind: GradeRecord['grader']['kind'];
  grades: number;
}

export interface PairAgreement {
  a: string;
  b: string;
  /** All items pooled, and all fully graded units pooled. */
  overall: { items: AgreementStats; questions: AgreementStats };
  items: ({ id: string; unitId: string; questionId: string } & AgreementStats)[];
  questions: ({ id: string } & AgreementStats)[];
}

export interface AgreementReport {
  graders: GraderInfo[];
  pairs: PairAgreement[];
  /** The checker's verdicts against each human grader, on one scale. */
  checker: CheckerAgreement[];
}

export interface AgreementInput {
  grades: GradeRecord[];
  /** unit id → question id and the unit's rubric item ids. */
  units: Map<string, { questionId: string; items: string[] }>;
  /** Question order for the output. */
  questionOrder?: string[];
}

/**
 * Items are compared wherever both graders scored the item. Questions are compared on the sum of the units
 * that both graders graded in full (every rubric item, or a total without items such as imported points), so
 * the automatic check, which scores only the `auto` items, is compared with others on those items and on
 * all-auto units only.
 */
export function agreement(input: AgreementInput): AgreementReport {
  // An adjudicated grade is not an independent reading: it would inflate agreement with the graders it settles.
  const current = latestGrades(input.grades).filter((g) => g.status === 'graded' && g.grader.kind !== 'adjudicated');
  const byGrader = new Map<string, GradeRecord[]>();
  for (const g of current) byGrader.set(g.grader.id, [...(byGrader.get(g.grader.id) ?? []), g]);
  const graders: GraderInfo[] = [...byGrader].map(([id, gs]) => ({ id, kind: gs[0].grader.kind, grades: gs.length }));
  const kindOrder = { adjudicated: -1, human: 0, judge: 1, auto: 2 } as const;
  graders.sort((x, y) => kindOrder[x.kind] - kindOrder[y.kind] || x.id.localeCompare(y.id));
  const order = new Map((input.questionOrder ?? []).map((q, i) => [q, i]));
  const pairs: PairAgreement[] = [];
  for (let i = 0; i < graders.length; i++) {
    for (let j = i + 1; j < graders.length; j++) {
      const A = indexGrades(byGrader.get(graders[i].id)!);
      const B = indexGrades(byGrader.get(graders[j].id)!);
      const itemPairs = new Map<string, { unitId: string; pairs: [number, number][] }>();
      const questionPairs = new Map<string, Map<string, [number, number]>>();
      for (const [key, ga] of A) {
        const gb = B.get(key);
        if (!gb) continue;
        for (const [item, pa] of Object.entries(ga.items)) {
          const pb = gb.items[item];
          if (!pb) continue;
          const e = itemPairs.get(item) ?? { unitId: ga.unitId, pairs: [] };
          e.pairs.push([pa.points, pb.points]);
          itemPairs.set(item, e);
        }
        const unit = input.units.get(ga.unitId);
        if (!unit || !isFull(ga, unit.items) || !isFull(gb, unit.items)) continue;
        const perResponse = questionPairs.get(unit.questionId) ?? new Map<string, [number, number]>();
        const prev = perResponse.get(ga.responseId) ?? [0, 0];
        perResponse.set(ga.responseId, [prev[0] + ga.total, prev[1] + gb.total]);
        questionPairs.set(unit.questionId, perResponse);
      }
      const items = [...itemPairs].map(([id, e]) => ({
        id,
        unitId: e.unitId,
        questionId: input.units.get(e.unitId)?.questionId ?? e.unitId,
        ...pairStats(e.pairs),
      }));
      const questions = [...questionPairs]
        .map(([id, m]) => ({ id, ...pairStats([...m.values()]) }))
        .sort((x, y) => (order.get(x.id) ?? 1e9) - (order.get(y.id) ?? 1e9) || x.id.localeCompare(y.id));
      items.sort(
        (x, y) =>
          (order.get(x.questionId) ?? 1e9) - (order.get(y.questionId) ?? 1e9) ||
          x.id.localeCompare(y.id, 'en', { numeric: true }),
      );
      pairs.push({
        a: graders[i].id,
        b: graders[j].id,
        overall: {
          items: pairStats([...itemPairs.values()].flatMap((e) => e.pairs)),
          questions: pairStats([...questionPairs.values()].flatMap((m) => [...m.values()])),
        },
        items,
        questions,
      });
    }
  }
  return { graders, pairs, checker: checkerAgreement(latestGrades(input.grades)) };
}

function indexGrades(gs: GradeRecord[]): Map<string, GradeRecord> {
  return new Map(gs.map((g) => [`${g.responseId}\u0000${g.unitId}`, g]));
}

/** A grade of the whole unit: every rubric item scored, or a total without items (e.g. imported points). */
function isFull(g: GradeRecord, items: string[]): boolean {
  return Object.keys(g.items).length === 0 || items.every((id) => g.items[id] !== undefined);
}

export function agreementForRun(runDir: string, opts: { exam?: string; rubric?: string } = {}): AgreementReport {
  const ctx = loadRunContext(runDir, opts);
  const units = new Map(
    [...ctx.units.values()].map((u) => [
      u.id,
      { questionId: u.questionId, items: (ctx.rubric.rubric.marking[u.id]?.items ?? []).map((i) => i.id) },
    ]),
  );
  const questionOrder = ctx.exam.exam.parts.flatMap((p) => p.questions.map((q) => q.id));
  return agreement({ grades: readGrades(ctx.runDir), units, questionOrder });
}

const fmt = (x: number | null) => (x === null ? '—' : String(x));

export function agreementText(report: AgreementReport): string {
  if (report.pairs.length === 0) {
    return `${report.graders.length} grader(s) found (${report.graders.map((g) => g.id).join(', ') || 'none'}); agreement needs two\n`;
  }
  const out: string[] = checkerAgreementText(report.checker);
  for (const p of report.pairs) {
    const o = p.overall;
    out.push(`${p.a} vs ${p.b}`);
    out.push(
      `  items:     n=${o.items.n}  mean |diff|=${fmt(o.items.meanAbsDiff)}  exact=${fmt(o.items.exactAgreement)}  kappa(qw)=${fmt(o.items.kappa)}  alpha(interval)=${fmt(o.items.alpha)}`,
    );
    out.push(
      `  questions: n=${o.questions.n}  mean |diff|=${fmt(o.questions.meanAbsDiff)}  exact=${fmt(o.questions.exactAgreement)}  kappa(qw)=${fmt(o.questions.kappa)}  alpha(interval)=${fmt(o.questions.alpha)}`,
    );
    if (p.questions.length) {
      out.push('  question      n  mean|diff|  exact   kappa   alpha');
      for (const q of p.questions) {
        out.push(
          `  ${q.id.padEnd(10)} ${String(q.n).padStart(3)}  ${fmt(q.meanAbsDiff).padStart(10)}  ${fmt(q.exactAgreement).padStart(5)}  ${fmt(q.kappa).padStart(6)}  ${fmt(q.alpha).padStart(6)}`,
        );
      }
    }
    out.push('');
  }
  out.push('Per-item figures: heldout agreement <run-dir> --json');
  return `${out.join('\n')}\n`;
}
