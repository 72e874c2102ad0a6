import { type DeskFilter, matches } from '../protocol.js';
import { show } from './actions.js';
import { el, rendered } from './dom.js';
import { doneWord, inFilter, state } from './state.js';
import { renderUnit } from './unit-view.js';

/** The page's header: who grades what, the progress over the queue, and the filter. */

const FILTER_NAMES: Record<DeskFilter, string> = {
  all: 'All units',
  todo: 'Not yet graded',
  undetermined: 'Undetermined by the checker',
  disagreements: 'Disagreements',
  review: 'Review queue',
  flagged: 'Flagged',
};

function countsText(): string {
  const q = state.queue;
  let done = 0;
  let flagged = 0;
  let undetermined = 0;
  let disagreements = 0;
  for (const e of q) {
    if (e.s > 0) done++;
    if (e.s === 2) flagged++;
    if (e.u) undetermined++;
    if (e.d) disagreements++;
  }
  return `${done} of ${q.length} ${doneWord()} · ${flagged} flagged · ${undetermined} undetermined by the checker · ${disagreements} disagreements`;
}

const filterLabel = (f: DeskFilter) => `${FILTER_NAMES[f]} (${state.queue.filter((e) => matches(e, f)).length})`;

function progress(): HTMLElement {
  const bar = el('progress', { id: 'progress' });
  const counts = el('span', { class: 'counts', id: 'counts' });
  const select = el('select', { id: 'filter', 'aria-label': 'Show' });
  for (const f of state.session.filters) {
    const o = el('option', { value: f });
    if (f === state.filter) o.selected = true;
    select.append(o);
  }
  select.addEventListener('change', () => {
    state.filter = select.value as DeskFilter;
    select.blur();
    const list = inFilter();
    const current = state.current;
    const target = list.find((e) => current && e.i >= current.i) ?? list[0];
    if (target) void show(target.i);
    else renderUnit();
  });
  const box = el('div', { class: 'progress' }, bar, counts, el('label', {}, 'Show ', select));
  fillProgress(bar, counts, select);
  return box;
}

function fillProgress(bar: HTMLProgressElement, counts: HTMLElement, select: HTMLSelectElement): void {
  bar.max = Math.max(1, state.queue.length);
  bar.value = state.queue.filter((e) => e.s > 0).length;
  counts.textContent = countsText();
  for (const o of select.options) o.textContent = filterLabel(o.value as DeskFilter);
}

/** After the queue changed (a save here, in another tab or by another grader): the figures in place, focus kept. */
export function refreshProgress(): void {
  const bar = document.getElementById('progress') as HTMLProgressElement | null;
  const counts = document.getElementById('counts');
  const select = document.getElementById('filter') as HTMLSelectElement | null;
  if (bar && counts && select) fillProgress(bar, counts, select);
}

export function header(): HTMLElement {
  const s = state.session;
  const who = s.mode === 'adjudicate' ? `Adjudication by ${s.grader}` : `Grading as ${s.grader}`;
  const blind = s.blind ? ` · blind (order seed ${s.seed})` : ' · not blind';
  const top = el(
    'header',
    {},
    el('h1', {}, s.exam.title),
    el('p', { class: 'who' }, who + blind + (s.review ? ' · review mode' : '')),
    progress(),
  );
  if (s.notes) {
    const d = el(
      'details',
      { class: 'paper-notes', id: 'paper-notes' },
      el('summary', {}, 'Marking notes for the paper'),
    );
    d.append(rendered('div', 'md', s.notes));
    top.append(d);
  }
  return top;
}
