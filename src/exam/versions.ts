import { canonicalJson, sha256 } from '../io/hash.js';
import { examHash, examUnits } from './model.js';
import type { Exam, Question, Rubric, RubricTarget, SubPart } from './schema.js';

/**
 * Content versions. Every run and every grade records, per unit, short hashes of three things that can be corrected
 * after grading has started: the question as the candidate saw it, the answer key (answer, reference, grader notes),
 * and the unit's rubric entry. `heldout regrade` compares them with the files as they are now, so exactly the units
 * that changed are regraded, and `score` can refuse to mix grades made under two versions of one unit.
 *
 * Hashes are over canonical JSON (key order and YAML formatting do not matter), cut to 16 hex digits: enough to
 * tell versions apart, short enough to read in a report.
 */

export interface UnitVersion {
  question: string;
  key: string;
  rubric?: string;
}

export interface ContentVersions {
  /** The whole exam (the manifest's `examHash`, shortened). */
  exam: string;
  /** The whole rubric, without its `examples` (they never change a grade). */
  rubric?: string;
  units: Map<string, UnitVersion>;
}

export type VersionPart = 'question' | 'key' | 'rubric';

const short = (text: string) => sha256(text).slice(0, 16);

type Node = Question | SubPart;

/** What the candidate sees of one node: everything but its children and the grader-only fields. */
function shownToCandidate(node: Node): unknown {
  const { subparts: _s, answer: _a, reference: _r, ...rest } = node as Node & { notes?: string };
  delete (rest as { notes?: string }).notes;
  return rest;
}

/** The rubric entry as it affects grades: `examples` are tests of the rubric, not part of it. */
export function rubricTargetForHash(target: RubricTarget): unknown {
  const { examples: _e, ...rest } = target as RubricTarget & { examples?: unknown };
  return rest;
}

export function rubricVersion(rubric: Rubric): string {
  const marking = Object.fromEntries(
    Object.entries(rubric.marking).map(([id, target]) => [id, rubricTargetForHash(target)]),
  );
  return short(canonicalJson({ ...rubric, marking }));
}

/** `sha256:<64 hex>` → the first 16 hex digits, the form versions use. */
export const shortExamHash = (exam: Exam) => examHash(exam).slice('sha256:'.length, 'sha256:'.length + 16);

/**
 * Per-unit versions. A sub-part's question version covers the question's stem and every node on the way down to it
 * (what the candidate read to answer it), not its siblings: correcting part (b) leaves part (a)'s grades current.
 * `figures` (and any field added later) are covered because everything shown to the candidate is hashed; `extra`
 * lets callers fold in content that lives outside the YAML (figure file bytes).
 */
export function contentVersions(
  exam: Exam,
  rubric?: Rubric,
  extra: (unitId: string) => unknown = () => undefined,
): ContentVersions {
  const chains = new Map<string, Node[]>();
  const walk = (node: Node, chain: Node[]) => {
    const here = [...chain, node];
    if (node.subparts?.length) for (const c of node.subparts) walk(c, here);
    else chains.set(node.id, here);
  };
  for (const part of exam.parts) for (const q of part.questions) walk(q, []);

  const units = new Map<string, UnitVersion>();
  for (const unit of examUnits(exam)) {
    const chain = chains.get(unit.id) ?? [];
    const top = chain[0] as Question | undefined;
    const files = extra(unit.id);
    const question = short(canonicalJson({ chain: chain.map(shownToCandidate), ...(files ? { files } : {}) }));
    const key = short(canonicalJson({ answer: unit.answer, reference: unit.reference, notes: top?.notes }));
    const target = rubric?.marking[unit.id];
    units.set(unit.id, {
      question,
      key,
      ...(target ? { rubric: short(canonicalJson(rubricTargetForHash(target))) } : {}),
    });
  }
  return {
    exam: shortExamHash(exam),
    ...(rubric ? { rubric: rubricVersion(rubric) } : {}),
    units,
  };
}

/** Which of question, key and rubric differ between a recorded unit version and the current one. */
export function changedParts(recorded: Partial<UnitVersion>, current: UnitVersion): VersionPart[] {
  const out: VersionPart[] = [];
  if (recorded.question !== undefined && recorded.question !== current.question) out.push('question');
  if (recorded.key !== undefined && recorded.key !== current.key) out.push('key');
  if (recorded.rubric !== undefined && recorded.rubric !== current.rubric) out.push('rubric');
  return out;
}

/** Plain JSON for records: `{unitId: {question, key, rubric}}`. */
export function unitVersionsJson(v: ContentVersions, unitIds?: string[]): Record<string, UnitVersion> {
  const ids = unitIds ?? [...v.units.keys()];
  return Object.fromEntries(ids.filter((id) => v.units.has(id)).map((id) => [id, v.units.get(id)!]));
}
