import type { GraderView, UnitView } from '../protocol.js';
import { el } from './dom.js';

/** Other grades beside the unit: the machine verdicts once revealed, and in adjudication the grades that disagree. */

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

export function revealedPanel(u: UnitView): HTMLElement | undefined {
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

export function adjudicationPanel(u: UnitView): HTMLElement | undefined {
  if (!u.graders?.length) return undefined;
  const row = el('div', { class: 'graders', id: 'graders' });
  for (const g of u.graders) row.append(graderCard(g, `${g.kind === 'judge' ? 'Judge' : 'Grader'} ${g.id}`, u));
  return el('section', { class: 'adjudication' }, el('h3', {}, 'The grades that disagree'), row);
}
