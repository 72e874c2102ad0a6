import { applyRubric } from '../../rubric-apply.js';
import {
  type DeskFilter,
  type GraderView,
  matches,
  type QueueEntry,
  type SaveReply,
  type SessionView,
  type UnitView,
} from '../protocol.js';

/**
 * The grading page. Everything from the model arrives as markup the server rendered with the report's escaping
 * and KaTeX code (fields typed `Html`); every other string is put into the page as text. The running total uses
 * the rubric code the server applies, so the page shows exactly what will be recorded.
 */

type Form = { items: Record<string, number>; caps: Set<string>; comment: string; flagged: boolean; touched: boolean };

const app = document.getElementById('app')!;
let session: SessionView;
let queue: QueueEntry[] = [];
let filter: DeskFilter = 'all';
let current: UnitView | undefined;
let form: Form;
let selected = 0;
let busy = false;
const cache = new Map<number, UnitView>();

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== undefined) e.append(c);
  return e;
}

/** Markup rendered and escaped by the server (the `Html` fields of the protocol), never text from elsewhere. */
function rendered(tag: 'div' | 'span', cls: string, markup: string): HTMLElement {
  const e = el(tag, { class: cls });
  e.innerHTML = markup;
  return e;
}

async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await res.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(text.trim() || `HTTP ${res.status}`);
  }
  if (!res.ok) throw new Error((value as { error?: string }).error ?? `HTTP ${res.status}`);
  return value as T;
}

async function loadUnit(i: number): Promise<UnitView> {
  const hit = cache.get(i);
  if (hit) return hit;
  const u = await api<UnitView>(`api/unit/${i}`);
  cache.set(i, u);
  return u;
}

function inFilter(): QueueEntry[] {
  return queue.filter((e) => matches(e, filter));
}

function neighbour(from: number, step: 1 | -1): number | undefined {
  const list = inFilter();
  if (step > 0) return list.find((e) => e.i > from)?.i;
  for (let k = list.length - 1; k >= 0; k--) if (list[k].i < from) return list[k].i;
  return undefined;
}

function emptyForm(u: UnitView): Form {
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
function applied(u: UnitView, f: Form) {
  const target = {
    items: u.items.map((it) => ({ id: it.id, points: it.points, criterion: '', requires: it.requires })),
    caps: u.caps.map((c) => ({ id: c.id, max: c.max, criterion: '', unless: c.unless })),
  };
  return applyRubric(target, u.maxPoints, {
    items: Object.fromEntries(Object.entries(f.items).map(([k, v]) => [k, { points: v }])),
    caps: [...f.caps],
  });
}

async function show(i: number, opts: { keepToast?: boolean } = {}): Promise<void> {
  try {
    current = await loadUnit(i);
  } catch (err) {
    toast(`Could not load: ${(err as Error).message}`, 'bad');
    return;
  }
  form = emptyForm(current);
  selected = 0;
  render();
  // For the bench: navigation start to the first screen on the page, in the browser's own clock.
  if (!performance.getEntriesByName('heldout:first-unit').length) performance.mark('heldout:first-unit');
  if (!opts.keepToast) toast('');
  // Fetch the next screen in the background so that moving on is instant.
  const next = neighbour(i, 1);
  if (next !== undefined) void loadUnit(next).catch(() => undefined);
}

function progress(): HTMLElement {
  const done = queue.filter((e) => e.s > 0).length;
  const flagged = queue.filter((e) => e.s === 2).length;
  const undetermined = queue.filter((e) => e.u).length;
  const disagreements = queue.filter((e) => e.d).length;
  const bar = el('progress', { max: String(Math.max(1, queue.length)), value: String(done), id: 'progress' });
  const counts = el(
    'span',
    { class: 'counts', id: 'counts' },
    `${done} of ${queue.length} ${session.mode === 'adjudicate' ? 'adjudicated' : 'graded'} · ${flagged} flagged · ${undetermined} undetermined by the checker · ${disagreements} disagreements`,
  );
  const select = el('select', { id: 'filter', 'aria-label': 'Show' });
  const names: Record<DeskFilter, string> = {
    all: 'All units',
    todo: 'Not yet graded',
    undetermined: 'Undetermined by the checker',
    disagreements: 'Disagreements',
    review: 'Review queue',
    flagged: 'Flagged',
  };
  for (const f of session.filters) {
    const n = queue.filter((e) => matches(e, f)).length;
    const o = el('option', { value: f }, `${names[f]} (${n})`);
    if (f === filter) o.selected = true;
    select.append(o);
  }
  select.addEventListener('change', () => {
    filter = select.value as DeskFilter;
    select.blur();
    const list = inFilter();
    const target = list.find((e) => current && e.i >= current.i) ?? list[0];
    if (target) void show(target.i);
    else render();
  });
  return el('div', { class: 'progress' }, bar, counts, el('label', {}, 'Show ', select));
}

function header(): HTMLElement {
  const who = session.mode === 'adjudicate' ? `Adjudication by ${session.grader}` : `Grading as ${session.grader}`;
  const blind = session.blind ? ` · blind (order seed ${session.seed})` : ' · not blind';
  const top = el(
    'header',
    {},
    el('h1', {}, session.exam.title),
    el('p', { class: 'who' }, who + blind + (session.review ? ' · review mode' : '')),
    progress(),
  );
  if (session.notes) {
    const d = el(
      'details',
      { class: 'paper-notes', id: 'paper-notes' },
      el('summary', {}, 'Marking notes for the paper'),
    );
    d.append(rendered('div', 'md', session.notes));
    top.append(d);
  }
  return top;
}

function itemControl(u: UnitView, idx: number): HTMLElement {
  const rows = u.items.length;
  const isItem = idx < rows;
  const row = el('li', { class: `rubric-row${idx === selected ? ' selected' : ''}`, 'data-row': String(idx) });
  if (isItem) {
    const it = u.items[idx];
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
  } else {
    const cap = u.caps[idx - rows];
    const id = `cap-${idx}`;
    if (cap.unless) {
      const on = applied(u, form).caps.includes(cap.id);
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
      box.checked = form.caps.has(cap.id);
      box.addEventListener('change', () => setCap(cap.id, box.checked, idx));
      row.append(
        el('span', { class: 'key' }, cap.id),
        box,
        el('label', { for: id, class: 'points' }, `cap: at most ${cap.max}`),
        rendered('span', 'criterion', cap.criterion),
      );
    }
  }
  row.addEventListener('click', () => {
    selected = idx;
    markSelected();
  });
  return row;
}

function rowCount(u: UnitView): number {
  return u.items.length + u.caps.length;
}

function totalLine(u: UnitView): HTMLElement {
  const a = applied(u, form);
  const notes = a.notes.length ? ` (${a.notes.join('; ')})` : '';
  return el('p', { class: 'total', id: 'total' }, `Total ${a.total} / ${u.maxPoints}${notes}`);
}

function graderCard(g: GraderView, title: string, u: UnitView): HTMLElement {
  const items = el('ul', { class: 'grader-items' });
  for (const it of u.items) {
    const p = g.items[it.id];
    const li = el('li', {}, `${it.id}: ${p ? p.points : '–'} / ${it.points}`);
    if (p?.reason) li.append(el('span', { class: 'reason' }, ` — ${p.reason}`));
    items.append(li);
  }
  const card = el(
    'div',
    { class: 'grader' },
    el('h4', {}, title),
    el('p', { class: 'grader-total' }, g.status === 'graded' ? `${g.total} / ${g.maxPoints}` : g.status),
    items,
  );
  if (g.caps.length) card.append(el('p', {}, `caps: ${g.caps.join(', ')}`));
  if (g.comment) card.append(el('p', { class: 'comment' }, `Comment: ${g.comment}`));
  if (g.note) card.append(el('p', { class: 'note' }, g.note));
  return card;
}

function revealedPanel(u: UnitView): HTMLElement | undefined {
  const r = u.revealed;
  if (!r || (!r.checker && !r.judges.length)) return undefined;
  const box = el(
    'section',
    { class: `revealed${r.beforeDecision ? ' before' : ''}`, id: 'revealed' },
    el(
      'h3',
      {},
      r.beforeDecision
        ? 'Machine verdicts, shown before you decide (review mode)'
        : 'Machine verdicts (shown because you have decided)',
    ),
  );
  if (r.checker) {
    const v = r.checker.verdict;
    const parts = [
      `Checker: ${v ? v.outcome : r.checker.status}`,
      v?.extracted !== undefined ? `read "${v.extracted}"` : '',
      v?.key !== undefined ? `key "${v.key}"` : '',
      v?.rule ? `rule ${v.rule}` : '',
      v?.reason ?? '',
    ].filter(Boolean);
    box.append(el('p', { class: 'checker' }, parts.join(' · ')));
  }
  if (r.judges.length) {
    const row = el('div', { class: 'graders' });
    for (const j of r.judges) row.append(graderCard(j, `Judge ${j.id}`, u));
    box.append(row);
  }
  return box;
}

function render(): void {
  app.replaceChildren(header());
  const u = current;
  if (!u || !inFilter().some((e) => e.i === u.i)) {
    if (!inFilter().length) {
      app.append(el('p', { class: 'empty', id: 'empty' }, 'Nothing to show with this filter.'));
      app.append(help());
      return;
    }
  }
  if (!u) return;
  const entry = queue[u.i];
  const position = inFilter().findIndex((e) => e.i === u.i);
  const where = `${u.label} · answer ${u.answerId}${u.model ? ` · ${u.model} · sample ${u.sample}` : ''}`;
  const doneWord = session.mode === 'adjudicate' ? 'adjudicated' : 'graded';
  const state = entry?.s ? (entry.s === 2 ? `${doneWord}, flagged` : doneWord) : `not ${doneWord} yet`;
  const q = el(
    'section',
    { class: 'question' },
    el('h2', { id: 'unit-title' }, `${u.label} · ${u.maxPoints} points`),
    el(
      'p',
      { class: 'meta' },
      `${position >= 0 ? `${position + 1} of ${inFilter().length} shown · ` : ''}${where} · ${state}`,
    ),
    rendered('div', 'md question-text', u.question),
  );
  if (u.part) q.append(rendered('div', 'md part-text', u.part));
  if (u.reference) {
    q.append(el('h3', {}, 'Official answer'), rendered('div', 'md reference', u.reference));
  }
  if (u.notes) q.append(el('h3', {}, 'Notes for graders'), rendered('div', 'md notes', u.notes));
  const answer = el(
    'section',
    { class: 'answer' },
    el('h3', {}, "The candidate's answer (mark this part only)"),
    rendered('div', 'md answer-text', u.answer),
  );
  if (u.answerNote) answer.append(el('p', { class: 'note' }, u.answerNote));

  const rubric = el('ol', { class: 'rubric', id: 'rubric' });
  for (let k = 0; k < rowCount(u); k++) rubric.append(itemControl(u, k));
  const comment = el('textarea', {
    id: 'comment',
    rows: '2',
    placeholder: session.mode === 'adjudicate' ? 'Reason for the adjudicated grade (required)' : 'Comment (optional)',
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
    button('save', session.mode === 'adjudicate' ? 'Record adjudication ⏎' : 'Save and next ⏎', () => void save()),
  );
  const marking = el(
    'section',
    { class: 'marking' },
    el('h3', {}, 'Rubric'),
    rubric,
    totalLine(u),
    el('label', { class: 'comment-label', for: 'comment' }, session.mode === 'adjudicate' ? 'Reason' : 'Comment'),
    comment,
    el('label', { class: 'flag-label' }, flag, ' Flag for discussion'),
    buttons,
  );
  const right = el('div', { class: 'right' }, answer);
  if (u.graders?.length) {
    const row = el('div', { class: 'graders', id: 'graders' });
    for (const g of u.graders) row.append(graderCard(g, `${g.kind === 'judge' ? 'Judge' : 'Grader'} ${g.id}`, u));
    right.append(el('section', { class: 'adjudication' }, el('h3', {}, 'The grades that disagree'), row));
  }
  right.append(marking);
  const rev = revealedPanel(u);
  if (rev) right.append(rev);
  right.append(el('p', { class: 'toast', id: 'toast', role: 'status' }));
  app.append(el('div', { class: 'columns' }, el('div', { class: 'left' }, q), right));
  app.append(help());
}

function button(id: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', id }, label);
  b.addEventListener('click', onClick);
  return b;
}

function help(): HTMLElement {
  const keys: [string, string][] = [
    ['↑ ↓ or j k', 'choose a rubric row'],
    ['0–9', 'points for the row (then the next row)'],
    ['space', 'tick or untick; + − step'],
    ['enter', 'save and go to the next answer'],
    ['→ / n, ← / p', 'next, previous (without saving)'],
    ['s', 'skip'],
    ['f', 'flag for discussion'],
    ['c', 'write a comment (esc to leave it, ctrl+enter to save)'],
    ['v', 'next filter'],
  ];
  const dl = el('dl', { class: 'keys' });
  for (const [k, v] of keys) dl.append(el('dt', {}, k), el('dd', {}, v));
  return el('details', { class: 'help', id: 'help' }, el('summary', {}, 'Keyboard (press ? to open)'), dl);
}

function markSelected(): void {
  for (const li of app.querySelectorAll('.rubric-row')) {
    li.classList.toggle('selected', Number((li as HTMLElement).dataset.row) === selected);
  }
}

function refreshMarking(): void {
  if (!current) return;
  const rubric = document.getElementById('rubric');
  if (!rubric) return;
  rubric.replaceChildren(...Array.from({ length: rowCount(current) }, (_, k) => itemControl(current!, k)));
  document.getElementById('total')!.replaceWith(totalLine(current));
}

function setItem(id: string, points: number, row: number): void {
  form.items[id] = points;
  form.touched = true;
  selected = row;
  refreshMarking();
}

function setCap(id: string, on: boolean, row: number): void {
  if (on) form.caps.add(id);
  else form.caps.delete(id);
  form.touched = true;
  selected = row;
  refreshMarking();
}

function toast(text: string, kind: 'ok' | 'bad' | '' = ''): void {
  const t = document.getElementById('toast');
  if (!t) return;
  t.textContent = text;
  t.className = `toast ${kind}`;
}

function go(step: 1 | -1): void {
  if (!current) return;
  const next = neighbour(current.i, step);
  if (next === undefined) {
    toast(step > 0 ? 'That was the last one here.' : 'This is the first one here.');
    return;
  }
  void show(next);
}

async function save(): Promise<void> {
  if (!current || busy) return;
  const u = current;
  if (session.mode === 'adjudicate' && !form.comment.trim()) {
    toast('Write the reason for the adjudicated grade first (press c).', 'bad');
    return;
  }
  busy = true;
  try {
    const reply = await api<SaveReply>('api/grade', {
      i: u.i,
      key: u.key,
      items: form.items,
      caps: [...form.caps],
      comment: form.comment,
      flagged: form.flagged,
    });
    queue[u.i] = { ...queue[u.i], s: form.flagged ? 2 : 1 };
    cache.delete(u.i);
    const verdict = reply.revealed?.checker?.verdict;
    const said = verdict
      ? ` · the checker said: ${verdict.outcome}${verdict.extracted ? ` ("${verdict.extracted}")` : ''}`
      : '';
    const message = `Saved ${u.label}: ${reply.total} / ${reply.maxPoints}${said}`;
    const next = neighbour(u.i, 1);
    if (next !== undefined) await show(next, { keepToast: true });
    else await show(u.i, { keepToast: true });
    toast(next === undefined ? `${message}. That was the last one here.` : message, 'ok');
  } catch (err) {
    toast(`Not saved: ${(err as Error).message}`, 'bad');
  } finally {
    busy = false;
  }
}

function onKey(e: KeyboardEvent): void {
  const target = e.target as HTMLElement;
  const typing =
    target.tagName === 'TEXTAREA' ||
    target.tagName === 'SELECT' ||
    (target.tagName === 'INPUT' && (target as HTMLInputElement).type === 'number');
  if (target.tagName === 'TEXTAREA') {
    if (e.key === 'Escape') target.blur();
    else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      target.blur();
      void save();
    }
    return;
  }
  if (typing && !/^(Enter|Escape|ArrowUp|ArrowDown)$/.test(e.key)) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '?') {
    const h = document.getElementById('help') as HTMLDetailsElement | null;
    if (h) h.open = !h.open;
    e.preventDefault();
    return;
  }
  if (e.key === 'v') {
    const i = session.filters.indexOf(filter);
    const sel = document.getElementById('filter') as HTMLSelectElement | null;
    if (sel) {
      sel.value = session.filters[(i + 1) % session.filters.length];
      sel.dispatchEvent(new Event('change'));
    }
    e.preventDefault();
    return;
  }
  const u = current;
  if (!u) return;
  const rows = rowCount(u);
  const row = (k: number) => (k < u.items.length ? { item: u.items[k] } : { cap: u.caps[k - u.items.length] });
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
      selected = Math.min(rows - 1, selected + 1);
      markSelected();
      return;
    case 'ArrowUp':
    case 'k':
      e.preventDefault();
      selected = Math.max(0, selected - 1);
      markSelected();
      return;
    case 'f': {
      form.flagged = !form.flagged;
      form.touched = true;
      const box = document.getElementById('flag') as HTMLInputElement | null;
      if (box) box.checked = form.flagged;
      toast(form.flagged ? 'Flagged (saved with the grade).' : 'Flag removed.');
      return;
    }
    case 'c':
      e.preventDefault();
      document.getElementById('comment')?.focus();
      return;
  }
  const r = row(selected);
  if (/^[0-9]$/.test(e.key)) {
    const n = Number(e.key);
    if (r.item) {
      if (n > r.item.points) {
        toast(`${r.item.id}: at most ${r.item.points} point${r.item.points === 1 ? '' : 's'}`, 'bad');
        return;
      }
      setItem(r.item.id, n, Math.min(rows - 1, selected + 1));
    } else if (r.cap && !r.cap.unless) {
      if (n > 1) return;
      setCap(r.cap.id, n === 1, Math.min(rows - 1, selected + 1));
    }
    return;
  }
  if (e.key === ' ' || e.key === '+' || e.key === '=' || e.key === '-') {
    e.preventDefault();
    if (r.item) {
      const v = form.items[r.item.id];
      const max = r.item.points;
      const next = e.key === '-' ? Math.max(0, v - 1) : e.key === ' ' && max === 1 ? 1 - v : Math.min(max, v + 1);
      setItem(r.item.id, e.key === ' ' && max > 1 && v === max ? 0 : next, selected);
    } else if (r.cap && !r.cap.unless) {
      setCap(r.cap.id, e.key === '-' ? false : e.key === ' ' ? !form.caps.has(r.cap.id) : true, selected);
    }
  }
}

/** The first screen the server put in the page, if any (see bootData on the server). */
function bootData(): { session: SessionView; unit?: UnitView } | undefined {
  const el = document.getElementById('boot');
  if (!el?.textContent) return undefined;
  try {
    return JSON.parse(el.textContent) as { session: SessionView; unit?: UnitView };
  } catch {
    return undefined;
  } finally {
    el.remove();
  }
}

async function start(): Promise<void> {
  const boot = bootData();
  if (boot?.unit) cache.set(boot.unit.i, boot.unit);
  try {
    session = boot?.session ?? (await api<SessionView>('api/session'));
  } catch (err) {
    app.replaceChildren(el('p', { class: 'toast bad' }, `Could not start: ${(err as Error).message}`));
    return;
  }
  queue = session.queue;
  filter = session.filter;
  document.addEventListener('keydown', onKey);
  if (!queue.length) {
    current = undefined;
    render();
    return;
  }
  await show(session.start);
}

void start();
