import type { RubricTarget } from '../exam/schema.js';

/** What a grader (auto, judge or person) said, before the rubric's rules are applied. */
export interface RawMarks {
  items: Record<string, { points: number; reason?: string }>;
  /** Ids of caps without `unless` that the grader says apply. */
  caps?: string[];
}

export interface AppliedMarks {
  /** Points per rubric item after clamping and `requires`. */
  items: Record<string, { points: number; reason?: string }>;
  /** Every cap that applies: `unless` caps found in code plus the ones the grader named. */
  caps: string[];
  total: number;
  maxPoints: number;
  /** What the rules changed, for the audit trail. */
  notes: string[];
}

/**
 * The rubric's rules, applied in code and never trusted to a model: points are clamped to 0..item max,
 * an item with `requires` counts only when every required item earned points, caps with `unless` apply
 * unless every listed item was earned, caps without `unless` apply when the grader says so, and the total
 * never exceeds the unit's points. Item points are reported after clamping and `requires`; caps act on the total.
 */
export function applyRubric(target: RubricTarget, unitPoints: number, raw: RawMarks): AppliedMarks {
  const notes: string[] = [];
  const items: Record<string, { points: number; reason?: string }> = {};
  for (const item of target.items) {
    const given = raw.items[item.id];
    let p = given && Number.isFinite(given.points) ? given.points : 0;
    if (p < 0 || p > item.points) {
      const clamped = Math.min(item.points, Math.max(0, p));
      notes.push(`${item.id}: ${p} clamped to ${clamped}`);
      p = clamped;
    }
    items[item.id] = given?.reason === undefined ? { points: p } : { points: p, reason: given.reason };
  }
  // `requires` may chain (a needs b needs c): repeat until nothing changes.
  for (let pass = 0; pass <= target.items.length; pass++) {
    let changed = false;
    for (const item of target.items) {
      if (!item.requires || items[item.id].points === 0) continue;
      const missing = item.requires.filter((r) => (items[r]?.points ?? 0) <= 0);
      if (missing.length) {
        notes.push(`${item.id}: 0 because it requires ${missing.join(', ')}`);
        items[item.id] = { ...items[item.id], points: 0 };
        changed = true;
      }
    }
    if (!changed) break;
  }
  const caps: string[] = [];
  const named = new Set(raw.caps ?? []);
  for (const cap of target.caps ?? []) {
    if (cap.unless) {
      if (!cap.unless.every((id) => (items[id]?.points ?? 0) > 0)) caps.push(cap.id);
    } else if (named.has(cap.id)) caps.push(cap.id);
  }
  for (const id of named) {
    if (!(target.caps ?? []).some((c) => c.id === id)) notes.push(`unknown cap "${id}" ignored`);
  }
  const sum = Object.values(items).reduce((s, i) => s + i.points, 0);
  let total = Math.min(sum, unitPoints);
  for (const id of caps) {
    const cap = target.caps!.find((c) => c.id === id)!;
    if (total > cap.max) {
      notes.push(`cap ${id}: ${total} → ${cap.max}`);
      total = cap.max;
    }
  }
  return { items, caps, total, maxPoints: unitPoints, notes };
}
