import type { FigureView, UnitView } from '../protocol.js';
import { el, rendered } from './dom.js';
import { header } from './header.js';
import { markingSection } from './marking.js';
import { doneWord, inFilter, state } from './state.js';
import { adjudicationPanel, revealedPanel } from './verdicts.js';

/** The screen for one unit: the question with its figures, the answer, the marking form and the keyboard help. */

const app = () => document.getElementById('app')!;

/** Figures load as <img> from this server (an SVG's scripts never run in an image); the alt text is always shown. */
function figures(list: FigureView[] | undefined): HTMLElement | undefined {
  if (!list?.length) return undefined;
  const box = el('div', { class: 'figures' });
  for (const f of list) {
    box.append(
      el(
        'figure',
        { class: 'figure' },
        f.src
          ? el('img', { src: f.src, alt: f.alt })
          : el('p', { class: 'note' }, `The figure file ${f.file} cannot be shown.`),
        el('figcaption', {}, f.alt),
      ),
    );
  }
  return box;
}

function metaText(u: UnitView): string {
  const list = inFilter();
  const entry = state.queue[u.i];
  const position = list.findIndex((e) => e.i === u.i);
  const where = `${u.label} · answer ${u.answerId}${u.model ? ` · ${u.model} · sample ${u.sample}` : ''}`;
  const word = doneWord();
  const done = entry?.s ? (entry.s === 2 ? `${word}, flagged` : word) : `not ${word} yet`;
  return `${position >= 0 ? `${position + 1} of ${list.length} shown · ` : ''}${where} · ${done}`;
}

/** The unit's position and state line, after the queue changed under it. */
export function refreshMeta(): void {
  const meta = document.getElementById('meta');
  if (meta && state.current) meta.textContent = metaText(state.current);
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

export function renderUnit(): void {
  const root = app();
  root.replaceChildren(header());
  const u = state.current;
  if (!inFilter().length) {
    root.append(el('p', { class: 'empty', id: 'empty' }, 'Nothing to show with this filter.'), help());
    return;
  }
  if (!u) return;
  const q = el(
    'section',
    { class: 'question' },
    el('h2', { id: 'unit-title' }, `${u.label} · ${u.maxPoints} points`),
    el('p', { class: 'meta', id: 'meta' }, metaText(u)),
    rendered('div', 'md question-text', u.question),
    figures(u.questionFigures),
  );
  if (u.part) q.append(rendered('div', 'md part-text', u.part));
  const partFigures = figures(u.partFigures);
  if (partFigures) q.append(partFigures);
  if (u.reference) q.append(el('h3', {}, 'Official answer'), rendered('div', 'md reference', u.reference));
  if (u.notes) q.append(el('h3', {}, 'Notes for graders'), rendered('div', 'md notes', u.notes));
  const answer = el(
    'section',
    { class: 'answer' },
    el('h3', {}, "The candidate's answer (mark this part only)"),
    rendered('div', 'md answer-text', u.answer),
  );
  if (u.answerNote) answer.append(el('p', { class: 'note' }, u.answerNote));
  const right = el('div', { class: 'right' }, answer, adjudicationPanel(u), markingSection(u), revealedPanel(u));
  right.append(el('p', { class: 'toast', id: 'toast', role: 'status' }));
  root.append(el('div', { class: 'columns' }, el('div', { class: 'left' }, q), right), help());
}
