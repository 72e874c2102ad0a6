import { go, save, selectRow, setCap, setItem, toast } from './actions.js';
import { rowCount, state } from './state.js';

/** The keys of the grading page (listed in its help): grading a unit never needs the mouse. */

/** Keys that mean something while typing in a text area, a number field or the filter. */
function onKeyWhileTyping(e: KeyboardEvent, target: HTMLElement): boolean {
  if (target.tagName === 'TEXTAREA') {
    if (e.key === 'Escape') target.blur();
    else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      target.blur();
      void save();
    }
    return true;
  }
  const typing =
    target.tagName === 'SELECT' || (target.tagName === 'INPUT' && (target as HTMLInputElement).type === 'number');
  return typing && !/^(Enter|Escape|ArrowUp|ArrowDown)$/.test(e.key);
}

function nextFilter(): void {
  const { filters } = state.session;
  const sel = document.getElementById('filter') as HTMLSelectElement | null;
  if (!sel) return;
  sel.value = filters[(filters.indexOf(state.filter) + 1) % filters.length];
  sel.dispatchEvent(new Event('change'));
}

/** Points by digit, ticks by space, steps by + and −, on the selected rubric row. */
function onRowKey(e: KeyboardEvent): void {
  const u = state.current!;
  const { form, selected } = state;
  const rows = rowCount(u);
  const item = selected < u.items.length ? u.items[selected] : undefined;
  const cap = item ? undefined : u.caps[selected - u.items.length];
  if (/^[0-9]$/.test(e.key)) {
    const n = Number(e.key);
    if (item) {
      if (n > item.points) {
        toast(`${item.id}: at most ${item.points} point${item.points === 1 ? '' : 's'}`, 'bad');
        return;
      }
      setItem(item.id, n, Math.min(rows - 1, selected + 1));
    } else if (cap && !cap.unless) {
      if (n > 1) return;
      setCap(cap.id, n === 1, Math.min(rows - 1, selected + 1));
    }
    return;
  }
  if (e.key === ' ' || e.key === '+' || e.key === '=' || e.key === '-') {
    e.preventDefault();
    if (item) {
      const v = form.items[item.id];
      const max = item.points;
      const next = e.key === '-' ? Math.max(0, v - 1) : e.key === ' ' && max === 1 ? 1 - v : Math.min(max, v + 1);
      setItem(item.id, e.key === ' ' && max > 1 && v === max ? 0 : next, selected);
    } else if (cap && !cap.unless) {
      setCap(cap.id, e.key === '-' ? false : e.key === ' ' ? !form.caps.has(cap.id) : true, selected);
    }
  }
}

export function onKey(e: KeyboardEvent): void {
  const target = e.target as HTMLElement;
  if (onKeyWhileTyping(e, target)) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '?') {
    const h = document.getElementById('help') as HTMLDetailsElement | null;
    if (h) h.open = !h.open;
    e.preventDefault();
    return;
  }
  if (e.key === 'v') {
    nextFilter();
    e.preventDefault();
    return;
  }
  const u = state.current;
  if (!u) return;
  if (target.tagName === 'INPUT' || target.tagName === 'BUTTON') target.blur();
  switch (e.key) {
    case 'Enter':
      e.preventDefault();
      void save();
      return;
    case 'ArrowRight':
    case 'n':
      e.preventDefault();
      go(1);
      return;
    case 'ArrowLeft':
    case 'p':
      e.preventDefault();
      go(-1);
      return;
    case 's':
      go(1);
      return;
    case 'ArrowDown':
    case 'j':
      e.preventDefault();
      selectRow(Math.min(rowCount(u) - 1, state.selected + 1));
      return;
    case 'ArrowUp':
    case 'k':
      e.preventDefault();
      selectRow(Math.max(0, state.selected - 1));
      return;
    case 'f': {
      state.form.flagged = !state.form.flagged;
      state.form.touched = true;
      const box = document.getElementById('flag') as HTMLInputElement | null;
      if (box) box.checked = state.form.flagged;
      toast(state.form.flagged ? 'Flagged (saved with the grade).' : 'Flag removed.');
      return;
    }
    case 'c':
      e.preventDefault();
      document.getElementById('comment')?.focus();
      return;
  }
  onRowKey(e);
}
