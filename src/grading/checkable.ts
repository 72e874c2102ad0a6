import type { Unit } from '../exam/model.js';
import type { RubricTarget } from '../exam/schema.js';

/**
 * Which marks the automatic checker can award. It reads only the final answer, so it awards only a unit's `auto`
 * items; a score made from its grades covers that share of the marks, and must say so rather than pass for a full
 * mark.
 */

/** Over every unit: all the rubric's points, and the points the checker can award. */
export interface CheckerReach {
  rubricPoints: number;
  autoPoints: number;
}

/**
 * The part of a unit's rubric that the checker can award: its auto items whose `requires` are auto items too, and
 * caps whose `unless` names only auto items. An item that waits for the working, or a cap such as "at most 1 point
 * without justification", is not the checker's to apply: it cannot see the working, and would cut a fully worked
 * answer. `notes` says what was left to a judge or a person.
 */
export function checkablePart(target: RubricTarget): { target: RubricTarget; notes: string[] } {
  const auto = new Set(target.items.filter((i) => i.auto).map((i) => i.id));
  const notes: string[] = [];
  const items = target.items.filter((i) => {
    if (!auto.has(i.id)) return false;
    const hidden = (i.requires ?? []).filter((r) => !auto.has(r));
    if (hidden.length)
      notes.push(`${i.id} requires ${hidden.join(', ')}, which the checker cannot see: left to a judge or a person`);
    return hidden.length === 0;
  });
  const caps = (target.caps ?? []).filter((c) => c.unless?.every((id) => auto.has(id)));
  return { target: { ...target, items, caps }, notes };
}

/** The points the checker can award on a unit, capped at the unit's points. */
export function autoPoints(target: RubricTarget, unitPoints: number): number {
  return Math.min(
    unitPoints,
    checkablePart(target).target.items.reduce((s, i) => s + i.points, 0),
  );
}

export function checkerReach(units: Unit[], marking: Record<string, RubricTarget>): CheckerReach {
  let rubricPoints = 0;
  let auto = 0;
  for (const u of units) {
    rubricPoints += u.points;
    const t = marking[u.id];
    if (t) auto += autoPoints(t, u.points);
  }
  return { rubricPoints, autoPoints: auto };
}
