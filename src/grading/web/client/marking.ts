import type { UnitView } from '../protocol.js';
import { go, save, setCap, setItem } from './actions.js';
import { button, el, rendered } from './dom.js';
import { applied, rowCount, state } from './state.js';

/** The marking form: one row per rubric item and cap, the running total, the comment, the flag and the buttons. */

function itemRow(u: UnitView, idx: number): HTMLElement {
  const { form } = state;
  const it = u.items[idx];
  const row = el('li', { class: `rubric-row${idx === state.selected ? ' selected' : ''}`, 'data-row': String(idx) });
  const value = form.items[it.id];
  const after = applied(u, form).items[it.id].points;
  const id = `item-${idx}`;
  let control: HTMLElement;
  if (it.points === 1) {
    const box = el('input', { type: 'checkbox', id, 'data-item': it.id });
    box.checked = value === 1;
    box.addEventListener('change', () => setItem(it.id, box.checked ? 1 : 0, idx));
    control = box;
  } else {
    const num = el('input', {
      type: 'number',
      id,
      min: '0',
      max: String(it.points),
      step: '1',
      value: String(value),
      'data-item': it.id,
    });
    num.addEventListener('change', () =>
      setItem(it.id, Math.max(0, Math.min(it.points, Math.round(Number(num.value) || 0))), idx),
    );
    control = num;
  }
  row.append(
    el('span', { class: 'key' }, it.id),
    control,
    el('label', { for: id, class: 'points' }, `/ ${it.points}`),
    rendered('span', 'criterion', it.criterion),
  );
  if (it.requires?.length) {
    const unmet = after === 0 && value > 0;
    row.append(
      el(
        'span',
        { class: `requires${unmet ? ' unmet' : ''}` },
        unmet ? `counts 0: requires ${it.requires.join(', ')}` : `requires ${it.requires.join(', ')}`,
      ),
    );
  }
  return row;
}

function capRow(u: UnitView, idx: number): HTMLElement {
  const cap = u.caps[idx - u.items.length];
  const row = el('li', { class: `rubric-row${idx === state.selected ? ' selected' : ''}`, 'data-row': String(idx) });
  const id = `cap-${idx}`;
  if (cap.unless) {
    const on = applied(u, state.form).caps.includes(cap.id);
    row.append(
      el('span', { class: 'key' }, cap.id),
      el(
        'span',
        { class: `cap-auto${on ? ' on' : ''}` },
        on ? `applies: at most ${cap.max}` : `at most ${cap.max} unless ${cap.unless.join(', ')}`,
      ),
      rendered('span', 'criterion', cap.criterion),
    );
  } else {
    const box = el('input', { type: 'checkbox', id, 'data-cap': cap.id });
    box.checked = state.form.caps.has(cap.id);
    box.addEventListener('change', () => setCap(cap.id, box.checked, idx));
    row.append(
      el('span', { class: 'key' }, cap.id),
      box,
      el('label', { for: id, class: 'points' }, `cap: at most ${cap.max}`),
      rendered('span', 'criterion', cap.criterion),
    );
  }
  return row;
}

function rubricRow(u: UnitView, idx: number): HTMLElement {
  const row = idx < u.items.length ? itemRow(u, idx) : capRow(u, idx);
  row.addEventListener('click', () => {
    state.selected = idx;
    markSelected();
  });
  return row;
}

function totalLine(u: UnitView): HTMLElement {
  const a = applied(u, state.form);
  const notes = a.notes.length ? ` (${a.notes.join('; ')})` : '';
  return el('p', { class: 'total', id: 'total' }, `Total ${a.total} / ${u.maxPoints}${notes}`);
}

export function markingSection(u: UnitView): HTMLElement {
  const { form } = state;
  const adjudicating = state.session.mode === 'adjudicate';
  const rubric = el('ol', { class: 'rubric', id: 'rubric' });
  for (let k = 0; k < rowCount(u); k++) rubric.append(rubricRow(u, k));
  const comment = el('textarea', {
    id: 'comment',
    rows: '2',
    placeholder: adjudicating ? 'Reason for the adjudicated grade (required)' : 'Comment (optional)',
  });
  comment.value = form.comment;
  comment.addEventListener('input', () => {
    form.comment = comment.value;
    form.touched = true;
  });
  const flag = el('input', { type: 'checkbox', id: 'flag' });
  flag.checked = form.flagged;
  flag.addEventListener('change', () => {
    form.flagged = flag.checked;
    form.touched = true;
  });
  const buttons = el(
    'div',
    { class: 'buttons' },
    button('prev', '← Previous', () => go(-1)),
    button('skip', 'Skip →', () => go(1)),
    button('save', adjudicating ? 'Record adjudication ⏎' : 'Save and next ⏎', () => void save()),
  );
  return el(
    'section',
    { class: 'marking' },
    el('h3', {}, 'Rubric'),
    rubric,
    totalLine(u),
    el('label', { class: 'comment-label', for: 'comment' }, adjudicating ? 'Reason' : 'Comment'),
    comment,
    el('label', { class: 'flag-label' }, flag, ' Flag for discussion'),
    buttons,
  );
}

export function markSelected(): void {
  for (const li of document.querySelectorAll('.rubric-row')) {
    li.classList.toggle('selected', Number((li as HTMLElement).dataset.row) === state.selected);
  }
}

/** After a change to the decision: the rows (a `requires` may now count 0) and the total. */
export function refreshMarking(): void {
  const u = state.current;
  const rubric = document.getElementById('rubric');
  if (!u || !rubric) return;
  rubric.replaceChildren(...Array.from({ length: rowCount(u) }, (_, k) => rubricRow(u, k)));
  document.getElementById('total')!.replaceWith(totalLine(u));
}
