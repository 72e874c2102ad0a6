import { applyRubric } from '../../rubric-apply.js';
import { type DeskFilter, matches, type QueueEntry, type SessionView, type UnitView } from '../protocol.js';

/**
 * What the page knows: the session, the queue (kept current by polling, see live.ts), the unit on screen and the
 * grader's unsaved decision on it. The running total uses the rubric code the server applies, so the page shows
 * exactly what will be recorded.
 */

export type Form = {
  items: Record<string, number>;
  caps: Set<string>;
  comment: string;
  flagged: boolean;
  touched: boolean;
};

export const state = {
  session: undefined as unknown as SessionView,
  queue: [] as QueueEntry[],
  /** The grade log's version the queue reflects (the ETag of `api/queue`). */
  version: '',
  filter: 'all' as DeskFilter,
  current: undefined as UnitView | undefined,
  form: undefined as unknown as Form,
  /** The rubric row the keys act on. */
  selected: 0,
  busy: false,
};

export function inFilter(): QueueEntry[] {
  return state.queue.filter((e) => matches(e, state.filter));
}

export function neighbour(from: number, step: 1 | -1): number | undefined {
  const list = inFilter();
  if (step > 0) return list.find((e) => e.i > from)?.i;
  for (let k = list.length - 1; k >= 0; k--) if (list[k].i < from) return list[k].i;
  return undefined;
}

export function emptyForm(u: UnitView): Form {
  const mine = u.mine;
  return {
    items: Object.fromEntries(u.items.map((it) => [it.id, mine?.items[it.id]?.points ?? 0])),
    caps: new Set(mine?.caps.filter((c) => u.caps.some((x) => x.id === c && !x.unless)) ?? []),
    comment: mine?.comment ?? '',
    flagged: mine ? !!mine.flagged : false,
    touched: false,
  };
}

/** The rubric's rules as the server applies them. */
export function applied(u: UnitView, f: Form) {
  const target = {
    items: u.items.map((it) => ({ id: it.id, points: it.points, criterion: '', requires: it.requires })),
    caps: u.caps.map((c) => ({ id: c.id, max: c.max, criterion: '', unless: c.unless })),
  };
  return applyRubric(target, u.maxPoints, {
    items: Object.fromEntries(Object.entries(f.items).map(([k, v]) => [k, { points: v }])),
    caps: [...f.caps],
  });
}

export function rowCount(u: UnitView): number {
  return u.items.length + u.caps.length;
}

export const doneWord = () => (state.session.mode === 'adjudicate' ? 'adjudicated' : 'graded');
