import { basename } from 'node:path';
import { examUnits } from '../exam/model.js';
import { autoOutcome } from '../grading/accuracy.js';
import { type UnitState, unitState } from '../grading/coverage.js';
import { MIN_POINTS, pairedPermutationTest } from '../grading/paired.js';
import { DEFAULT_PRECEDENCE, pickUnitGrade } from '../grading/score.js';
import { latestGrades } from '../store/grades.js';
import type { GradeRecord } from '../store/records.js';
import type { ReportInputs } from './inputs.js';
import { modelLabel } from './model-names.js';
import { isSecretKey } from './run-facts.js';
import { countedQuestionPoints } from './scoreboard.js';

/**
 * `heldout compare`: several runs of the same exam side by side (the same models under two judges, two prompt
 * templates, two dates). The first run is the baseline; every other run is compared with it per model, per
 * question (points), and per unit answer: the units whose verdict changed (points, state, or the automatic
 * check's outcome) are listed one by one.
 */

export interface UnitVerdict {
  points?: number;
  state: UnitState;
  /** The automatic check's outcome and what it read. */
  outcome?: string;
  extracted?: string;
  /** Who graded the points (grader ids). */
  graders: string[];
}

export interface ChangedUnit {
  model: string;
  label: string;
  unitId: string;
  questionId: string;
  sample: number;
  maxPoints: number;
  before: UnitVerdict;
  after: UnitVerdict;
  /** Points after minus before (0 when only the state or the outcome changed). */
  delta: number;
}

export interface RunSummary {
  label: string;
  dir: string;
  runId: string;
  examId: string;
  examHash?: string;
  models: string[];
  graders: { id: string; kind: string }[];
  params: Record<string, unknown>;
  startedAt?: string;
}

export interface ModelComparison {
  model: string;
  label: string;
  /** Percent per run (null: the model is not in that run). */
  percent: (number | null)[];
  points: (number | null)[];
  maxPoints: number;
  /** Per other run: the paired test over questions against the baseline. */
  vsBase: ({ diff: number; p: number; significant: boolean } | null)[];
}

export interface QuestionDelta {
  id: string;
  label: string;
  maxPoints: number;
  /** Per model: points per run (null when absent). */
  models: { model: string; label: string; points: (number | null)[] }[];
}

export interface CompareResult {
  format: 'heldout-compare/1';
  examId: string;
  runs: RunSummary[];
  models: ModelComparison[];
  questions: QuestionDelta[];
  /** Per other run (index 1…): the unit answers whose verdict changed from the baseline. */
  changed: { run: string; against: string; units: ChangedUnit[]; compared: number }[];
  warnings: string[];
  /** Why no paired test is drawn (too few questions). */
  testNote?: string;
}

function unitVerdicts(inputs: ReportInputs): Map<string, UnitVerdict & { maxPoints: number; questionId: string }> {
  const units = new Map(examUnits(inputs.exam).map((u) => [u.id, u]));
  const byUnit = new Map<string, GradeRecord[]>();
  for (const g of latestGrades(inputs.grades)) {
    const k = `${g.responseId}\u0000${g.unitId}`;
    const list = byUnit.get(k);
    if (list) list.push(g);
    else byUnit.set(k, [g]);
  }
  const out = new Map<string, UnitVerdict & { maxPoints: number; questionId: string }>();
  for (const r of inputs.responses) {
    for (const uid of r.unitIds) {
      const unit = units.get(uid);
      const gs = byUnit.get(`${r.id}\u0000${uid}`) ?? [];
      const state = unitState(r, gs, DEFAULT_PRECEDENCE);
      const pick = pickUnitGrade(gs, DEFAULT_PRECEDENCE);
      const auto = gs.find((g) => g.grader.kind === 'auto');
      out.set(`${r.model}\u0000${uid}\u0000${r.sample}`, {
        points: state === 'graded' ? Math.min(pick.points, unit?.points ?? pick.points) : undefined,
        state,
        outcome: auto ? autoOutcome(auto) : undefined,
        extracted: auto?.verdict?.extracted ?? auto?.raw,
        graders: pick.graderIds,
        maxPoints: unit?.points ?? gs[0]?.maxPoints ?? 0,
        questionId: unit?.questionId ?? uid,
      });
    }
  }
  return out;
}

const same = (a: UnitVerdict, b: UnitVerdict) =>
  a.state === b.state &&
  (a.points === b.points ||
    (a.points !== undefined && b.points !== undefined && Math.abs(a.points - b.points) < 1e-9)) &&
  (a.outcome ?? '') === (b.outcome ?? '');

function runSummary(inputs: ReportInputs, dir: string): RunSummary {
  const m = inputs.manifest ?? {};
  const graders = new Map<string, string>();
  for (const g of inputs.grades) graders.set(g.grader.id, g.grader.kind);
  const params = (m.params && typeof m.params === 'object' ? m.params : {}) as Record<string, unknown>;
  return {
    label: inputs.runId || basename(dir),
    dir,
    runId: inputs.runId,
    examId: inputs.exam.id,
    examHash: inputs.examHash,
    models: [...new Set(inputs.responses.map((r) => r.model))],
    graders: [...graders].map(([id, kind]) => ({ id, kind })).sort((a, b) => a.id.localeCompare(b.id)),
    params: Object.fromEntries(Object.entries(params).filter(([k]) => !isSecretKey(k))),
    startedAt: typeof m.startedAt === 'string' ? m.startedAt : undefined,
  };
}

export function compareRuns(runs: { inputs: ReportInputs; dir: string }[]): CompareResult {
  if (runs.length < 2) throw new Error('compare needs two runs or more');
  const warnings: string[] = [];
  const base = runs[0].inputs;
  for (const r of runs.slice(1)) {
    if (r.inputs.exam.id !== base.exam.id) {
      warnings.push(`${r.dir} is a run of exam "${r.inputs.exam.id}", the baseline of "${base.exam.id}"`);
    }
  }
  const summaries = runs.map((r) => runSummary(r.inputs, r.dir));
  // Labels must tell runs apart: fall back to the directory when two runs share an id.
  if (new Set(summaries.map((s) => s.label)).size < summaries.length) for (const s of summaries) s.label = s.dir;
  const models = [...new Set(runs.flatMap((r) => (r.inputs.score?.models ?? []).map((m) => m.model)))];
  const scoreOf = runs.map((r) => new Map((r.inputs.score?.models ?? []).map((m) => [m.model, m])));
  const modelRows: ModelComparison[] = models.map((model) => {
    const per = scoreOf.map((s) => s.get(model));
    const baseScore = per[0];
    return {
      model,
      label: modelLabel(model),
      percent: per.map((m) => (m ? m.percent : null)),
      points: per.map((m) => (m ? m.points : null)),
      maxPoints: per.find(Boolean)?.maxPoints ?? 0,
      vsBase: per.map((m, i) => {
        if (i === 0 || !m || !baseScore) return null;
        const t = pairedPermutationTest(countedQuestionPoints(m), countedQuestionPoints(baseScore), { ci: false });
        return t ? { diff: t.diff, p: t.p, significant: t.p < 0.05 } : null;
      }),
    };
  });
  const questionList = base.exam.parts.flatMap((p) => p.questions);
  const questions: QuestionDelta[] = questionList.map((q) => ({
    id: q.id,
    label: q.number,
    maxPoints: q.points,
    models: models.map((model) => ({
      model,
      label: modelLabel(model),
      points: scoreOf.map((s) => s.get(model)?.questions.find((x) => x.id === q.id)?.points ?? null),
    })),
  }));
  const verdicts = runs.map((r) => unitVerdicts(r.inputs));
  const changed = runs.slice(1).map((r, i) => {
    const after = verdicts[i + 1];
    const units: ChangedUnit[] = [];
    let compared = 0;
    for (const [key, before] of verdicts[0]) {
      const now = after.get(key);
      if (!now) continue;
      compared++;
      if (same(before, now)) continue;
      const [model, unitId, sample] = key.split('\u0000');
      units.push({
        model,
        label: modelLabel(model),
        unitId,
        questionId: before.questionId,
        sample: Number(sample),
        maxPoints: before.maxPoints,
        before: strip(before),
        after: strip(now),
        delta: (now.points ?? 0) - (before.points ?? 0),
      });
    }
    const order = new Map(examUnits(base.exam).map((u, j) => [u.id, j]));
    units.sort(
      (a, b) =>
        a.model.localeCompare(b.model) ||
        (order.get(a.unitId) ?? 0) - (order.get(b.unitId) ?? 0) ||
        a.sample - b.sample,
    );
    if (!compared)
      warnings.push(`${r.dir} has no unit answer in common with ${runs[0].dir} (same model, unit and sample)`);
    return { run: summaries[i + 1].label, against: summaries[0].label, units, compared };
  });
  return {
    format: 'heldout-compare/1',
    examId: base.exam.id,
    runs: summaries,
    models: modelRows,
    questions,
    changed,
    warnings,
    testNote:
      questionList.length < MIN_POINTS
        ? `${questionList.length} questions: no paired test is drawn (it needs at least ${MIN_POINTS}).`
        : undefined,
  };
}

function strip(v: UnitVerdict & { maxPoints?: number; questionId?: string }): UnitVerdict {
  const { maxPoints: _m, questionId: _q, ...rest } = v;
  return rest;
}

const fmt = (n: number | null | undefined) =>
  n === null || n === undefined ? '–' : Number.isInteger(n) ? String(n) : n.toFixed(2);
const verdictText = (v: UnitVerdict) =>
  `${v.points === undefined ? v.state : fmt(v.points)}${v.outcome ? ` (${v.outcome}${v.extracted !== undefined ? `: ${v.extracted}` : ''})` : ''}`;

/** Markdown for a pull-request comment or a CI log. */
export function compareMarkdown(c: CompareResult): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`# Compare: ${c.examId}`, ''];
  lines.push(
    `Baseline: \`${c.runs[0].label}\`. Compared: ${c.runs
      .slice(1)
      .map((r) => `\`${r.label}\``)
      .join(', ')}.`,
    '',
  );
  for (const w of c.warnings) lines.push(`> warning: ${esc(w)}`, '');
  lines.push(
    `| model | ${c.runs.map((r) => esc(r.label)).join(' | ')} | ${c.runs
      .slice(1)
      .map(() => 'Δ vs baseline (p)')
      .join(' | ')} |`,
  );
  lines.push(
    `| --- | ${c.runs.map(() => '---:').join(' | ')} | ${c.runs
      .slice(1)
      .map(() => '---')
      .join(' | ')} |`,
  );
  for (const m of c.models) {
    const deltas = m.vsBase
      .slice(1)
      .map((v, i) =>
        v
          ? `${v.diff >= 0 ? '+' : ''}${fmt(v.diff)} pts (p ${v.p < 0.001 ? '< 0.001' : `= ${v.p.toFixed(3)}`})${v.significant ? ' **significant**' : ''}`
          : m.percent[i + 1] === null || m.percent[0] === null
            ? '–'
            : 'too few questions for a test',
      );
    lines.push(
      `| ${esc(m.model)} | ${m.percent.map((p) => (p === null ? '–' : `${p}%`)).join(' | ')} | ${deltas.join(' | ')} |`,
    );
  }
  for (const ch of c.changed) {
    lines.push(
      '',
      `## ${esc(ch.run)} vs ${esc(ch.against)}: ${ch.units.length} of ${ch.compared} unit answers changed`,
      '',
    );
    if (!ch.units.length) continue;
    lines.push('| model | unit | sample | before | after | Δ points |', '| --- | --- | ---: | --- | --- | ---: |');
    for (const u of ch.units) {
      lines.push(
        `| ${esc(u.label)} | ${esc(u.unitId)} | ${u.sample} | ${esc(verdictText(u.before))} | ${esc(verdictText(u.after))} | ${u.delta >= 0 ? '+' : ''}${fmt(u.delta)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Plain text for the terminal. */
export function compareText(
  c: CompareResult,
  table: (rows: (string | number)[][], header: string[]) => string,
): string {
  const out: string[] = [];
  for (const w of c.warnings) out.push(`warning: ${w}`);
  out.push(
    table(
      c.models.map((m) => [
        m.label,
        ...m.percent.map((p) => (p === null ? '–' : `${p}%`)),
        ...m.vsBase
          .slice(1)
          .map((v) =>
            v
              ? `${v.diff >= 0 ? '+' : ''}${fmt(v.diff)} p=${v.p < 0.001 ? '<0.001' : v.p.toFixed(3)}${v.significant ? ' *' : ''}`
              : '–',
          ),
      ]),
      ['model', ...c.runs.map((r) => r.label), ...c.runs.slice(1).map((r) => `Δ ${r.label}`)],
    ),
  );
  for (const ch of c.changed) {
    out.push('', `${ch.run} vs ${ch.against}: ${ch.units.length} of ${ch.compared} unit answers changed`);
    for (const u of ch.units) {
      out.push(`  ${u.label}  ${u.unitId}  sample ${u.sample}: ${verdictText(u.before)} → ${verdictText(u.after)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
