import { HeldoutError } from '../errors.js';
import { examMaxPoints, partMaxPoints, type Unit } from '../exam/model.js';
import type { Exam, RubricTarget } from '../exam/schema.js';
import { seededRandom } from '../random.js';
import { latestGrades } from '../store/grades.js';
import { type GradeRecord, type GraderKind, graderKinds, type ResponseRecord } from '../store/records.js';
import { type FinalAnswerAccuracy, finalAnswerAccuracy } from './accuracy.js';
import { autoPoints, type CheckerReach, checkerReach } from './checkable.js';

export type UndeterminedPolicy = 'zero' | 'exclude' | 'fail';
export const undeterminedPolicies: UndeterminedPolicy[] = ['zero', 'exclude', 'fail'];

/**
 * Scores: per unit (the grade chosen by grader precedence), per question (sum of its units), per part
 * (`choose` rules: best = the k best-scored questions, first = the first k answered), per exam and model.
 * With several samples: the mean over samples and a seeded 95% bootstrap interval.
 */

/** An adjudicated grade settles a disagreement between the others, so it comes first. */
export const DEFAULT_PRECEDENCE: GraderKind[] = ['adjudicated', 'human', 'judge', 'auto'];

export interface QuestionScore {
  id: string;
  points: number;
  maxPoints: number;
  /** The grader kind(s) whose grades make up these points, e.g. "human" or "auto+judge"; null if none. */
  grader: string | null;
  graderIds: string[];
  /** Whether it counts towards its part (false for a question dropped by a `choose` rule). */
  counted: boolean;
  /** Units of this question, per sample, with no usable grade (ungraded, undetermined or never graded). */
  ungradedUnits: number;
}

export interface PartScore {
  id: string;
  points: number;
  maxPoints: number;
  /** Question ids counted (choose parts), in sample 0. */
  counted: string[];
}

export interface UngradedCounts {
  /** Units whose only grades are `ungraded` (e.g. a judge's invalid output). */
  ungraded: number;
  /** Units the checker could not decide and no other grader graded: they await review. */
  undetermined: number;
  /** Units with no grade at all. */
  missing: number;
  /** Responses that failed (an `error` record); their units score 0. */
  failedResponses: number;
  /** Questions with no response. */
  unanswered: number;
}

export interface ModelScore {
  model: string;
  points: number;
  maxPoints: number;
  percent: number;
  parts: PartScore[];
  questions: QuestionScore[];
  samples: number;
  /** Per-sample exam totals. */
  sampleTotals: number[];
  /** 95% bootstrap interval of the mean total (points), with two samples or more. */
  ci95?: [number, number];
  ungraded: UngradedCounts;
  /** How much of the marks the graders behind these points could award (auto awards only `auto` items). */
  coverage: ScoreCoverage;
  /** Final-answer accuracy from the checker's verdicts, apart from rubric points. */
  accuracy?: FinalAnswerAccuracy;
}

/** Which marks the graders behind a model's points could award. */
export interface ScoreCoverage {
  /** The marks the graders behind the points could award, over the counted questions (mean over samples). */
  coveredMax: number;
  /** Marks left out of the maximum (`--undetermined exclude`). */
  excludedMax?: number;
  /** True when the graders could award every mark of the (decided) maximum. */
  complete: boolean;
}

export interface ScoreReport {
  exam: { id: string; title: string; maxPoints: number };
  precedence: GraderKind[];
  /** What `--undetermined` did with units the checker could not decide. */
  undetermined: UndeterminedPolicy;
  /** Rubric points each grader kind can award, over every unit (auto: the `auto` items only). */
  rubric?: CheckerReach;
  models: ModelScore[];
}

export interface ScoreOptions {
  precedence?: GraderKind[];
  /** zero: an undetermined unit scores 0 (and is counted apart); exclude: it leaves the maximum too. */
  undetermined?: UndeterminedPolicy;
  /** The marking scheme, to know which points the checker can award (coverage). */
  marking?: Record<string, RubricTarget>;
  /** Bootstrap resamples (default 2000) and seed (default 1). */
  bootstrap?: number;
  seed?: number;
}

export function parsePrecedence(text: string): GraderKind[] {
  const kinds = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of kinds) {
    if (!(graderKinds as readonly string[]).includes(k)) {
      throw new Error(`unknown grader kind "${k}" (use ${graderKinds.join(', ')})`);
    }
  }
  if (!kinds.length) throw new Error('name at least one grader kind');
  return kinds as GraderKind[];
}

interface UnitPick {
  points: number;
  status: 'graded' | 'ungraded' | 'undetermined' | 'missing';
  kind?: GraderKind;
  graderIds: string[];
}

/**
 * The grade of one unit: the highest-precedence kind with a `graded` record. Several graders of that kind
 * (two people, two judges) are averaged, unless a combined judge record (`judges:…`) exists, which wins.
 */
export function pickUnitGrade(grades: GradeRecord[], precedence: GraderKind[]): UnitPick {
  for (const kind of precedence) {
    const graded = grades.filter((g) => g.grader.kind === kind && g.status === 'graded');
    if (!graded.length) continue;
    const combined = graded.filter((g) => g.grader.id.startsWith('judges:'));
    const use = combined.length ? [combined[combined.length - 1]] : graded;
    const points = use.reduce((s, g) => s + Math.min(g.total, g.maxPoints), 0) / use.length;
    return { points, status: 'graded', kind, graderIds: use.map((g) => g.grader.id) };
  }
  const seen = (status: GradeRecord['status']) =>
    grades.some((g) => precedence.includes(g.grader.kind) && g.status === status);
  // Undetermined first: the checker read the answer and could not decide, which a reviewer can settle.
  const status = seen('undetermined') ? 'undetermined' : seen('ungraded') ? 'ungraded' : 'missing';
  return { points: 0, status, graderIds: [] };
}

interface SampleQuestion {
  points: number;
  /** The marks the graders behind `points` could award, and the max of the units left out (exclude policy). */
  covered: number;
  excluded: number;
  answered: boolean;
  kinds: Set<GraderKind>;
  ids: Set<string>;
  ungraded: number;
}

export function scoreExam(
  exam: Exam,
  units: Unit[],
  responses: ResponseRecord[],
  allGrades: GradeRecord[],
  opts: ScoreOptions = {},
): ScoreReport {
  const precedence = opts.precedence ?? DEFAULT_PRECEDENCE;
  const policy = opts.undetermined ?? 'zero';
  const current = latestGrades(allGrades);
  const canAward = (u: Unit, kind: GraderKind | undefined) =>
    kind === 'auto' && opts.marking?.[u.id] ? autoPoints(opts.marking[u.id], u.points) : u.points;
  const gradesBy = new Map<string, GradeRecord[]>();
  for (const g of current) {
    const k = `${g.responseId}\u0000${g.unitId}`;
    gradesBy.set(k, [...(gradesBy.get(k) ?? []), g]);
  }
  const unitsByQuestion = new Map<string, Unit[]>();
  for (const u of units) unitsByQuestion.set(u.questionId, [...(unitsByQuestion.get(u.questionId) ?? []), u]);
  const models = [...new Set(responses.map((r) => r.model))];
  const maxPoints = examMaxPoints(exam);

  const out: ModelScore[] = models.map((model) => {
    const mine = responses.filter((r) => r.model === model);
    const sampleIds = [...new Set(mine.map((r) => r.sample))].sort((a, b) => a - b);
    const ungraded: UngradedCounts = { ungraded: 0, undetermined: 0, missing: 0, failedResponses: 0, unanswered: 0 };
    // unit id → response that answers it, per sample.
    const perSample = sampleIds.map((sample) => {
      const byUnit = new Map<string, ResponseRecord>();
      for (const r of mine.filter((x) => x.sample === sample)) for (const u of r.unitIds) byUnit.set(u, r);
      const questions = new Map<string, SampleQuestion>();
      for (const [qid, qUnits] of unitsByQuestion) {
        const q: SampleQuestion = {
          points: 0,
          covered: 0,
          excluded: 0,
          answered: false,
          kinds: new Set(),
          ids: new Set(),
          ungraded: 0,
        };
        const seen = new Set<string>();
        for (const u of qUnits) {
          const r = byUnit.get(u.id);
          if (!r) continue;
          if (r.error || r.text === undefined) {
            if (!seen.has(r.id)) ungraded.failedResponses++;
            seen.add(r.id);
            continue;
          }
          // An empty answer (a skipped question, or replay's "missing") is unanswered, not ungraded.
          if (!r.text.trim()) continue;
          q.answered = true;
          const pick = pickUnitGrade(gradesBy.get(`${r.id}\u0000${u.id}`) ?? [], precedence);
          q.points += Math.min(pick.points, u.points);
          if (pick.kind) q.kinds.add(pick.kind);
          for (const id of pick.graderIds) q.ids.add(id);
          if (pick.status === 'graded') q.covered += canAward(u, pick.kind);
          else {
            q.ungraded++;
            ungraded[pick.status]++;
            if (pick.status === 'undetermined' && policy === 'exclude') q.excluded += u.points;
          }
        }
        const asked = qUnits.map((u) => byUnit.get(u.id)).filter((r) => r && !r.error && r.text !== undefined);
        if (!qUnits.some((u) => byUnit.has(u.id)) || (asked.length && asked.every((r) => !r!.text!.trim()))) {
          ungraded.unanswered++;
        }
        questions.set(qid, q);
      }
      const parts = exam.parts.map((part) => {
        const qs = part.questions.map((question) => ({ question, score: questions.get(question.id)! }));
        let counted = qs;
        if (part.choose) {
          const k = Math.min(part.choose.count, qs.length);
          counted =
            part.choose.policy === 'first'
              ? qs.filter((q) => q.score.answered).slice(0, k)
              : [...qs].sort((a, b) => b.score.points - a.score.points).slice(0, k);
        }
        const ids = new Set(counted.map((q) => q.question.id));
        return {
          id: part.id,
          points: counted.reduce((s, q) => s + q.score.points, 0),
          maxPoints: partMaxPoints(part),
          counted: part.questions.filter((q) => ids.has(q.id)).map((q) => q.id),
          covered: counted.reduce((s, q) => s + q.score.covered, 0),
          excluded: counted.reduce((s, q) => s + q.score.excluded, 0),
        };
      });
      const sum = (f: (p: (typeof parts)[number]) => number) => parts.reduce((s, p) => s + f(p), 0);
      return {
        questions,
        parts,
        total: sum((p) => p.points),
        covered: sum((p) => p.covered),
        excluded: sum((p) => p.excluded),
      };
    });

    const n = Math.max(1, perSample.length);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const totals = perSample.map((s) => s.total);
    const points = mean(totals);
    const parts: PartScore[] = exam.parts.map((part, i) => ({
      id: part.id,
      points: round(mean(perSample.map((s) => s.parts[i].points))),
      maxPoints: partMaxPoints(part),
      counted: perSample[0]?.parts[i].counted ?? [],
    }));
    const questions: QuestionScore[] = exam.parts.flatMap((part, pi) =>
      part.questions.map((question) => {
        const qs = perSample.map((s) => s.questions.get(question.id)!);
        const kinds = [...new Set(qs.flatMap((q) => [...q.kinds]))];
        const countedIn = perSample.filter((s) => s.parts[pi].counted.includes(question.id)).length;
        return {
          id: question.id,
          points: round(mean(qs.map((q) => q.points))),
          maxPoints: question.points,
          grader: kinds.length ? graderKinds.filter((k) => kinds.includes(k)).join('+') : null,
          graderIds: [...new Set(qs.flatMap((q) => [...q.ids]))].sort(),
          counted: countedIn * 2 >= n,
          ungradedUnits: qs.reduce((s, q) => s + q.ungraded, 0),
        };
      }),
    );
    const excluded = mean(perSample.map((s) => s.excluded));
    const decidedMax = maxPoints - excluded;
    const coveredMax = round(mean(perSample.map((s) => s.covered)));
    const score: ModelScore = {
      model,
      points: round(points),
      maxPoints,
      percent: decidedMax > 0 ? round((100 * points) / decidedMax) : 0,
      parts,
      questions,
      samples: perSample.length,
      sampleTotals: totals.map(round),
      ungraded,
      coverage: {
        coveredMax,
        ...(excluded ? { excludedMax: round(excluded) } : {}),
        complete: coveredMax >= decidedMax,
      },
    };
    const [accuracy] = finalAnswerAccuracy(mine, current);
    if (accuracy?.units) score.accuracy = accuracy;
    if (totals.length >= 2)
      score.ci95 = bootstrapMeanCi(totals, opts.bootstrap ?? 2000, opts.seed ?? 1).map(round) as [number, number];
    return score;
  });
  if (policy === 'fail') {
    const waiting = out.filter((m) => m.ungraded.undetermined > 0);
    if (waiting.length)
      throw new HeldoutError(
        `${waiting.reduce((s, m) => s + m.ungraded.undetermined, 0)} unit(s) are undetermined (${waiting
          .map((m) => `${m.model}: ${m.ungraded.undetermined}`)
          .join(', ')})`,
        { hint: 'review them (grade --judge or --human), or score with --undetermined zero|exclude' },
      );
  }
  return {
    exam: { id: exam.id, title: exam.title, maxPoints },
    precedence,
    undetermined: policy,
    ...(opts.marking ? { rubric: checkerReach(units, opts.marking) } : {}),
    models: out,
  };
}

/** Percentile bootstrap of the mean: resample the per-sample totals with replacement. */
export function bootstrapMeanCi(values: number[], resamples: number, seed: number): [number, number] {
  const rnd = seededRandom(seed);
  const means: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[Math.floor(rnd() * values.length)];
    means.push(s / values.length);
  }
  means.sort((a, b) => a - b);
  const at = (q: number) => means[Math.min(means.length - 1, Math.max(0, Math.floor(q * (means.length - 1))))];
  return [at(0.025), at(0.975)];
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
