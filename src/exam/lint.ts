import { dirname, resolve } from 'node:path';
import { figureProblem } from './figures.js';
import { detectLanguage, languageSample } from './language.js';
import { type LintFinding, type LintResult, lintResult, type Severity } from './lint-findings.js';
import { examUnits } from './model.js';
import { examSchema, type Figure } from './schema.js';
import type { SourceDoc } from './source.js';
import { validateAll } from './source.js';

/*
 * `exam lint`: schema, points arithmetic, ids, `choose`, figures, sizes and language of an exam document. The
 * rubric's checks are in lint-rubric.ts, the finding types both share in lint-findings.ts.
 */

/** The id of the question or sub-part a path into an exam document points into (the deepest one). */
function examTarget(value: unknown, path: PropertyKey[]): string | undefined {
  let node: unknown = value;
  let found: string | undefined;
  for (const key of path) {
    if (!node || typeof node !== 'object') break;
    node = (node as Record<PropertyKey, unknown>)[key as string];
    const id = (node as { id?: unknown } | undefined)?.id;
    const isQuestion =
      node && typeof node === 'object' && 'text' in node && (typeof id === 'string' || typeof id === 'number');
    if (isQuestion) found = String(id);
  }
  return found;
}

/** Characters of a question's text and reference above which lint warns (documented in docs/formats.md). */
export const MAX_QUESTION_CHARS = 100_000;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Lints an exam document: schema, points arithmetic, ids, `choose` rules and language. */
export function lintExam(doc: SourceDoc): LintResult {
  // An unfilled `released` (as `exam import` leaves it) is one clear error; the rest of the exam is still checked.
  const released = releasedProblem(doc.value);
  const checked =
    released && doc.value && typeof doc.value === 'object'
      ? { ...doc, value: { ...(doc.value as object), released: '1970-01-01' } }
      : doc;
  const { data: exam, problems } = validateAll(examSchema, checked, 'exam');
  const findings: LintFinding[] = problems.map((p) => ({
    severity: 'error',
    rule: 'schema',
    where: p.where,
    message: p.message,
  }));
  if (released)
    findings.unshift({ severity: 'error', rule: 'released', where: doc.locate(['released']), message: released });
  if (!exam) return lintResult(doc.file, findings);
  const add = (severity: Severity, rule: string, path: PropertyKey[], message: string) => {
    const target = examTarget(doc.value, path);
    findings.push({ severity, rule, where: doc.locate(path), message, ...(target ? { target } : {}) });
  };

  const seen = new Map<string, string>();
  const claim = (id: string, path: PropertyKey[], what: string) => {
    const prev = seen.get(id);
    if (prev) add('error', 'duplicate-id', [...path, 'id'], `duplicate id "${id}" (${what}); first used at ${prev}`);
    else seen.set(id, doc.locate([...path, 'id']));
  };

  exam.parts.forEach((part, pi) => {
    const partPath = ['parts', pi];
    claim(part.id, partPath, 'part');
    part.questions.forEach((q, qi) => {
      const qPath = [...partPath, 'questions', qi];
      claim(q.id, qPath, 'question');
      const walk = (
        node: { id: string; points: number; subparts?: { id: string; points: number; subparts?: unknown[] }[] },
        path: PropertyKey[],
      ) => {
        if (node.points === 0)
          add('error', 'points-missing', [...path, 'points'], `"${node.id}" has 0 points: fill in its points`);
        if (!node.subparts) return;
        const sum = node.subparts.reduce((s, c) => s + c.points, 0);
        if (sum !== node.points) {
          add(
            'error',
            'points-sum',
            [...path, 'points'],
            `"${node.id}" has ${node.points} points but its sub-parts add up to ${sum}`,
          );
        }
        node.subparts.forEach((child, ci) => {
          const childPath = [...path, 'subparts', ci];
          claim(child.id, childPath, 'sub-part');
          walk(child as typeof node, childPath);
        });
      };
      walk(q, qPath);
    });

    const pts = part.questions.map((q) => q.points);
    if (part.choose) {
      const n = part.questions.length;
      if (part.choose.count > n) {
        add(
          'error',
          'choose',
          [...partPath, 'choose', 'count'],
          `part "${part.id}" asks to choose ${part.choose.count} of only ${plural(n, 'question')}`,
        );
      } else if (part.choose.count === n) {
        add(
          'warning',
          'choose',
          [...partPath, 'choose', 'count'],
          `part "${part.id}" chooses all ${n} questions; drop \`choose\``,
        );
      }
      if (new Set(pts).size > 1) {
        add(
          'error',
          'choose',
          [...partPath, 'choose'],
          `part "${part.id}" lets candidates choose, but its questions carry different points (${pts.join(', ')}); choices must be worth the same`,
        );
      } else if (part.choose.count <= n) {
        const expected = part.choose.count * pts[0];
        if (expected !== part.points) {
          add(
            'error',
            'points-sum',
            [...partPath, 'points'],
            `part "${part.id}" has ${part.points} points but ${part.choose.count} chosen question(s) of ${pts[0]} make ${expected}`,
          );
        }
      }
    } else {
      const sum = pts.reduce((a, b) => a + b, 0);
      if (sum !== part.points)
        add(
          'error',
          'points-sum',
          [...partPath, 'points'],
          `part "${part.id}" has ${part.points} points but its questions add up to ${sum}`,
        );
    }
  });

  // Figures: files beside the exam, of a kind a browser and a model can read.
  const examDir = dirname(resolve(doc.file));
  const walkFigures = (node: { figures?: Figure[]; subparts?: unknown[] }, path: PropertyKey[]): void => {
    (node.figures ?? []).forEach((f, fi) => {
      const problem = figureProblem(examDir, f);
      if (problem) add('error', 'figure', [...path, 'figures', fi, 'file'], problem);
    });
    (node.subparts ?? []).forEach((c, ci) => {
      walkFigures(c as typeof node, [...path, 'subparts', ci]);
    });
  };
  exam.parts.forEach((part, pi) => {
    part.questions.forEach((q, qi) => {
      walkFigures(q, ['parts', pi, 'questions', qi]);
    });
  });

  if (exam.points !== undefined) {
    const sum = exam.parts.reduce((s, p) => s + p.points, 0);
    if (sum !== exam.points)
      add('error', 'points-sum', ['points'], `the exam has ${exam.points} points but its parts add up to ${sum}`);
  }

  exam.parts.forEach((part, pi) => {
    part.questions.forEach((q, qi) => {
      const size = q.text.length + (q.reference?.length ?? 0);
      if (size > MAX_QUESTION_CHARS) {
        add(
          'warning',
          'question-size',
          ['parts', pi, 'questions', qi, 'text'],
          `question "${q.id}" is ${Math.round(size / 1000)} k characters (text and reference); above ${MAX_QUESTION_CHARS / 1000} k a question is likely pasted by mistake, and every prompt and judge call carries it`,
        );
      }
    });
  });

  const detected = detectLanguage(languageSample(examUnits(exam).map((u) => u.text)));
  if (detected && detected !== exam.language) {
    add(
      'warning',
      'language',
      ['language'],
      `language is "${exam.language}" but the question texts look like "${detected}"`,
    );
  }
  return lintResult(doc.file, findings);
}

/** Why `released` is not a usable date, or undefined when it is one. */
function releasedProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const r = (value as { released?: unknown }).released;
  if (r instanceof Date) return undefined;
  if (typeof r === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(r)) return undefined;
  const what =
    r === undefined || r === null || r === '' || /TODO/i.test(String(r))
      ? 'is not filled in'
      : `is ${JSON.stringify(r)}`;
  return `\`released\` ${what}: write the date the exam was first made public (YYYY-MM-DD). It is what makes the exam held out (models trained before it cannot have seen it), so only its author can fill it in`;
}
