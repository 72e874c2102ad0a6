import { type LintFinding, type LintResult, lintResult, type Severity } from './lint-findings.js';
import type { LoadedExam } from './load.js';
import { examUnits } from './model.js';
import { type Exam, type Rubric, type RubricTarget, rubricSchema } from './schema.js';
import type { SourceDoc } from './source.js';
import { validateAll } from './source.js';

/*
 * `rubric lint`: a rubric against its exam: coverage, ids, points, `requires` and caps, `auto` items the
 * automatic check can award, and worked examples that follow the rubric's own rules.
 */

/** Rubric paths are `marking.<unit id>…`. */
const rubricTarget = (path: PropertyKey[]) =>
  path[0] === 'marking' && typeof path[1] === 'string' ? path[1] : undefined;

/** Lints a rubric against its (valid) exam: coverage, ids, points and references. */
export function lintRubric(loaded: LoadedExam, doc: SourceDoc): LintResult {
  const { data: rubric, problems } = validateAll(rubricSchema, doc, 'rubric');
  const findings: LintFinding[] = problems.map((p) => ({
    severity: 'error',
    rule: 'schema',
    where: p.where,
    message: p.message,
  }));
  if (!rubric) return lintResult(doc.file, findings);
  findings.push(...rubricFindings(loaded.exam, rubric, doc));
  return lintResult(doc.file, findings);
}

function rubricFindings(exam: Exam, rubric: Rubric, doc: SourceDoc): LintFinding[] {
  const findings: LintFinding[] = [];
  const add = (severity: Severity, rule: string, path: PropertyKey[], message: string) => {
    const target = rubricTarget(path);
    findings.push({ severity, rule, where: doc.locate(path), message, ...(target ? { target } : {}) });
  };

  if (rubric.exam !== exam.id) {
    add('error', 'rubric-exam', ['exam'], `this rubric is for exam "${rubric.exam}", not "${exam.id}"`);
    return findings;
  }
  const units = new Map(examUnits(exam).map((u) => [u.id, u]));
  const parents = new Set<string>();
  for (const part of exam.parts)
    for (const q of part.questions) {
      const walk = (n: { id: string; subparts?: unknown[] }) => {
        if (n.subparts?.length) {
          parents.add(n.id);
          for (const c of n.subparts) walk(c as typeof n);
        }
      };
      walk(q);
    }

  const ids = new Map<string, string>();
  if (/\bTODO\b/.test(rubric.notes ?? ''))
    add('error', 'rubric-todo', ['notes'], 'the general notes still say TODO: write the marking principles');
  // Findings follow the exam's order (JavaScript would put "13" before "2a" in an object's key order).
  for (const [target, entry] of markingInExamOrder(rubric, [...units.keys()])) {
    const base: PropertyKey[] = ['marking', target];
    const unit = units.get(target);
    if (/\bTODO\b/.test(entry.notes ?? ''))
      add('error', 'rubric-todo', [...base, 'notes'], `the notes of "${target}" still say TODO`);
    if (!unit) {
      const msg = parents.has(target)
        ? `"${target}" has sub-parts; put its rubric items under each sub-part instead`
        : `"${target}" is not a question or sub-part of exam "${exam.id}"`;
      add('error', 'rubric-unknown-id', base, msg);
    }
    const localIds = new Set(entry.items.map((i) => i.id));
    entry.items.forEach((item, ii) => {
      const path = [...base, 'items', ii];
      if (/\bTODO\b/.test(item.criterion))
        add(
          'error',
          'rubric-todo',
          [...path, 'criterion'],
          `item "${item.id}" still has \`rubric new\`'s TODO criterion: say what earns its ${item.points} point(s)`,
        );
      const prev = ids.get(item.id);
      if (prev)
        add('error', 'duplicate-id', [...path, 'id'], `duplicate rubric id "${item.id}"; first used at ${prev}`);
      else ids.set(item.id, doc.locate([...path, 'id']));
      for (const req of item.requires ?? []) {
        const required = entry.items.find((i) => i.id === req);
        if (item.auto && required && !required.auto) {
          add(
            'warning',
            'rubric-auto',
            [...path, 'requires'],
            `auto item "${item.id}" requires "${req}", which is not auto, so the automatic check can never award it`,
          );
        }
        if (req === item.id) add('error', 'rubric-ref', [...path, 'requires'], `item "${item.id}" requires itself`);
        else if (!localIds.has(req))
          add(
            'error',
            'rubric-ref',
            [...path, 'requires'],
            `item "${item.id}" requires "${req}", which is not an item of "${target}"`,
          );
      }
    });
    (entry.caps ?? []).forEach((cap, ci) => {
      const path = [...base, 'caps', ci];
      const prev = ids.get(cap.id);
      if (prev) add('error', 'duplicate-id', [...path, 'id'], `duplicate rubric id "${cap.id}"; first used at ${prev}`);
      else ids.set(cap.id, doc.locate([...path, 'id']));
      for (const u of cap.unless ?? []) {
        if (!localIds.has(u))
          add(
            'error',
            'rubric-ref',
            [...path, 'unless'],
            `cap "${cap.id}" names "${u}", which is not an item of "${target}"`,
          );
      }
      if (unit && cap.max >= unit.points)
        add(
          'warning',
          'rubric-cap',
          [...path, 'max'],
          `cap "${cap.id}" allows ${cap.max} of ${unit.points} points, so it never bites`,
        );
    });
    if (unit) {
      const sum = entry.items.reduce((s, i) => s + i.points, 0);
      if (sum !== unit.points) {
        add(
          'error',
          'rubric-points',
          [...base, 'items'],
          `rubric items for "${target}" add up to ${sum}, but the exam gives it ${unit.points} points`,
        );
      }
      if (!unit.answer && entry.items.length && entry.items.every((i) => i.auto)) {
        add(
          'error',
          'rubric-auto',
          [...base, 'items'],
          `every item of "${target}" is \`auto\`, but "${target}" has no \`answer\` in the exam, so nothing can award them: add the answer or describe what earns each item`,
        );
      } else if (!unit.answer && entry.items.some((i) => i.auto)) {
        add(
          'warning',
          'rubric-auto',
          [...base, 'items'],
          `"${target}" has \`auto\` items but no \`answer\` in the exam, so the automatic check cannot award them`,
        );
      }
      findings.push(...exampleFindings(target, entry, unit.points, doc));
      if (unit.answer && !entry.items.some((i) => i.auto)) {
        add(
          'warning',
          'rubric-auto',
          [...base, 'items'],
          `"${target}" has a machine-checkable answer but no item is marked \`auto: true\`, so the automatic check can award nothing`,
        );
      }
    }
  }
  // Cycles through `requires` would make every item in the loop unearnable.
  for (const [target, entry] of markingInExamOrder(rubric, [...units.keys()])) {
    const reqs = new Map(entry.items.map((i) => [i.id, i.requires ?? []]));
    const state = new Map<string, number>();
    const visit = (id: string, trail: string[]): string[] | undefined => {
      if (state.get(id) === 2) return undefined;
      if (state.get(id) === 1) return [...trail, id];
      state.set(id, 1);
      for (const r of reqs.get(id) ?? []) {
        const cycle = visit(r, [...trail, id]);
        if (cycle) return cycle;
      }
      state.set(id, 2);
      return undefined;
    };
    for (const item of entry.items) {
      const cycle = visit(item.id, []);
      if (cycle) {
        add(
          'error',
          'rubric-ref',
          ['marking', target],
          `items of "${target}" require each other in a loop: ${cycle.join(' → ')}`,
        );
        break;
      }
    }
  }
  for (const unit of units.values()) {
    if (!rubric.marking[unit.id]) {
      add('error', 'rubric-coverage', ['marking'], `no rubric items for "${unit.id}" (${unit.points} points)`);
      findings[findings.length - 1].target = unit.id;
    }
  }
  return findings;
}

/** The rubric's entries in exam order, then any the exam does not know, in file order. */
function markingInExamOrder(rubric: Rubric, unitOrder: string[]): [string, RubricTarget][] {
  const entries = Object.entries(rubric.marking);
  const rank = new Map(unitOrder.map((id, i) => [id, i]));
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (rank.get(a.e[0]) ?? 1e9 + a.i) - (rank.get(b.e[0]) ?? 1e9 + b.i))
    .map((x) => x.e);
}

/** Examples must name the unit's items and caps, within each item's points, and respect `requires`. */
function exampleFindings(target: string, entry: RubricTarget, unitPoints: number, doc: SourceDoc): LintFinding[] {
  const findings: LintFinding[] = [];
  const add = (severity: Severity, path: PropertyKey[], message: string) =>
    findings.push({ severity, rule: 'rubric-example', where: doc.locate(path), message, target });
  const items = new Map(entry.items.map((i) => [i.id, i]));
  const caps = new Map((entry.caps ?? []).map((c) => [c.id, c]));
  (entry.examples ?? []).forEach((ex, ei) => {
    const path: PropertyKey[] = ['marking', target, 'examples', ei];
    const name = `example ${ei + 1}${ex.name ? ` ("${ex.name}")` : ''} of "${target}"`;
    for (const [id, pts] of Object.entries(ex.points)) {
      const item = items.get(id);
      if (!item) {
        add('error', [...path, 'points', id], `${name} gives points to "${id}", which is not an item of "${target}"`);
        continue;
      }
      if (pts > item.points)
        add('error', [...path, 'points', id], `${name} expects ${pts} for "${id}", which is worth only ${item.points}`);
      for (const req of item.requires ?? []) {
        if (pts > 0 && (ex.points[req] ?? 0) <= 0)
          add(
            'error',
            [...path, 'points', id],
            `${name} expects points for "${id}" but none for "${req}", which it requires: the rules would give "${id}" 0`,
          );
      }
    }
    const missing = entry.items.filter((i) => ex.points[i.id] === undefined).map((i) => i.id);
    if (missing.length)
      add(
        'error',
        [...path, 'points'],
        `${name} gives no expected points for ${missing.map((m) => `"${m}"`).join(', ')}`,
      );
    for (const [ci, id] of (ex.caps ?? []).entries()) {
      const cap = caps.get(id);
      if (!cap) add('error', [...path, 'caps', ci], `${name} names cap "${id}", which is not a cap of "${target}"`);
      else if (cap.unless)
        add(
          'warning',
          [...path, 'caps', ci],
          `${name} names cap "${id}", which is applied automatically (it has \`unless\`); no grader decides it`,
        );
    }
    const total = Object.values(ex.points).reduce((a, b) => a + b, 0);
    if (total > unitPoints && !(ex.caps ?? []).length)
      add(
        'error',
        [...path, 'points'],
        `${name} expects ${total} points in all, but "${target}" is worth ${unitPoints}`,
      );
  });
  return findings;
}
