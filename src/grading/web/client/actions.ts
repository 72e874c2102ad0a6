import type { SaveReply, UnitView } from '../protocol.js';
import { refreshProgress } from './header.js';
import { markSelected, refreshMarking } from './marking.js';
import { api, loadUnit, units } from './net.js';
import { emptyForm, neighbour, state } from './state.js';
import { renderUnit } from './unit-view.js';

/** What the grader does: move between units, decide points and caps, save. */

export function toast(text: string, kind: 'ok' | 'bad' | '' = ''): void {
  const t = document.getElementById('toast');
  if (!t) return;
  t.textContent = text;
  t.className = `toast ${kind}`;
}

/** Counts calls to show: only the latest may draw (a live refresh can ask while the grader moves on). */
let showing = 0;

export async function show(i: number, opts: { keepToast?: boolean } = {}): Promise<void> {
  const mine = ++showing;
  let u: UnitView;
  try {
    u = await loadUnit(i);
  } catch (err) {
    if (mine === showing) toast(`Could not load: ${(err as Error).message}`, 'bad');
    return;
  }
  if (mine !== showing) return;
  state.current = u;
  state.form = emptyForm(u);
  state.selected = 0;
  renderUnit();
  // For the bench: navigation start to the first screen built, then painted (a task after the next frame), in the
  // browser's own clock.
  if (!performance.getEntriesByName('heldout:first-unit').length) {
    performance.mark('heldout:first-unit');
    requestAnimationFrame(() => setTimeout(() => performance.mark('heldout:first-unit-painted'), 0));
  }
  if (!opts.keepToast) toast('');
  // Fetch the next screen once this one is painted, so that moving on is instant without delaying the first.
  const next = neighbour(i, 1);
  if (next !== undefined) setTimeout(() => void loadUnit(next).catch(() => undefined), 0);
}

export function go(step: 1 | -1): void {
  if (!state.current) return;
  const next = neighbour(state.current.i, step);
  if (next === undefined) {
    toast(step > 0 ? 'That was the last one here.' : 'This is the first one here.');
    return;
  }
  void show(next);
}

export function setItem(id: string, points: number, row: number): void {
  state.form.items[id] = points;
  state.form.touched = true;
  state.selected = row;
  refreshMarking();
}

export function setCap(id: string, on: boolean, row: number): void {
  if (on) state.form.caps.add(id);
  else state.form.caps.delete(id);
  state.form.touched = true;
  state.selected = row;
  refreshMarking();
}

export function selectRow(row: number): void {
  state.selected = row;
  markSelected();
}

export async function save(): Promise<void> {
  const u = state.current;
  const { form } = state;
  if (!u || state.busy) return;
  if (state.session.mode === 'adjudicate' && !form.comment.trim()) {
    toast('Write the reason for the adjudicated grade first (press c).', 'bad');
    return;
  }
  state.busy = true;
  try {
    const reply = await api<SaveReply>('api/grade', {
      i: u.i,
      key: u.key,
      items: form.items,
      caps: [...form.caps],
      comment: form.comment,
      flagged: form.flagged,
    });
    state.queue[u.i] = { ...state.queue[u.i], s: form.flagged ? 2 : 1 };
    units.delete(u.i);
    refreshProgress();
    const verdict = reply.revealed?.checker?.verdict;
    const said = verdict
      ? ` · the checker said: ${verdict.outcome}${verdict.extracted ? ` ("${verdict.extracted}")` : ''}`
      : '';
    const message = `Saved ${u.label}: ${reply.total} / ${reply.maxPoints}${said}`;
    const next = neighbour(u.i, 1);
    await show(next ?? u.i, { keepToast: true });
    toast(next === undefined ? `${message}. That was the last one here.` : message, 'ok');
  } catch (err) {
    toast(`Not saved: ${(err as Error).message}`, 'bad');
  } finally {
    state.busy = false;
  }
}
