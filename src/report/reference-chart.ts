import { escapeHtml, type Html, plainVisible, trusted } from '../html/escape.js';
import { chartFrame, frameSvg } from './chart-frame.js';
import type { ReferenceFieldView } from './reference-field.js';
import { niceAxis } from './stats.js';

const GREY = '#8a939e';
const RUN = '#1f4e79';
const FLAG = '#b42318';

/**
 * Held-out exam score against GSM8K: the published field as labelled grey points with its trend line, the run's
 * models in colour, each with a stick to the trend along the GSM8K axis (its residual). Flagged points are red.
 * Pure SVG: no script, no fonts, no external references.
 */
export function referenceFieldSvg(v: ReferenceFieldView): Html {
  const all = [...v.reference, ...v.run];
  const xa = niceAxis(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)));
  const ya = niceAxis(Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)));
  const frame = chartFrame(880, 500, { top: 24, right: 170, bottom: 56, left: 64 }, xa, ya);
  const { X, Y } = frame;
  const trendX = (exam: number) => v.slope * exam + v.intercept;
  const out: string[] = frameSvg(frame, {
    id: 'field-t',
    clipId: 'clip-field',
    className: 'field-chart',
    title: "Held-out exam score against GSM8K: published models in grey with their trend, this run's models in colour",
    xTitle: 'GSM8K accuracy (%, public)',
  });
  // The trend: GSM8K as a function of the exam score, drawn across the exam axis.
  out.push(
    '<g clip-path="url(#clip-field)">',
    `<line class="trend" x1="${X(trendX(ya.lo))}" y1="${Y(ya.lo)}" x2="${X(trendX(ya.hi))}" y2="${Y(ya.hi)}" stroke="${GREY}" stroke-width="2" stroke-dasharray="6 4"/>`,
    '</g>',
  );
  const placed: { x: number; y: number }[] = [];
  const label = (p: { x: number; y: number }, text: string, colour: string, bold: boolean) => {
    const cx = X(p.x);
    let ly = Y(p.y) + 4;
    for (const q of placed) if (Math.abs(q.x - cx) < 120 && Math.abs(q.y - ly) < 13) ly = q.y + 13;
    placed.push({ x: cx, y: ly });
    const shown = text.length > 26 ? `${text.slice(0, 25)}…` : text;
    return `<text x="${cx + 9}" y="${ly}" font-size="11.5" fill="${colour}"${bold ? ' font-weight="700"' : ''}>${escapeHtml(shown)}</text>`;
  };
  const tip = (name: string, p: ReferenceFieldView['run'][number], extra: string) =>
    `<title>${escapeHtml(`${name}: GSM8K ${p.x.toFixed(1)}%, exam ${p.y.toFixed(1)}%, GSM8K ${p.residual >= 0 ? '+' : '−'}${Math.abs(p.residual).toFixed(1)} points against the field's trend${p.flagged ? ' — public-benchmark score not matched on the held-out exam' : ''}${extra}`)}</title>`;
  for (const p of [...v.reference].sort((a, b) => b.y - a.y)) {
    const colour = p.flagged ? FLAG : GREY;
    out.push(
      `<circle class="reference-point" cx="${X(p.x)}" cy="${Y(p.y)}" r="4.5" fill="${GREY}" fill-opacity="0.75" stroke="${p.flagged ? FLAG : '#fff'}" stroke-width="1.5">${tip(plainVisible(p.label), p, p.source ? ` (${p.source})` : '')}</circle>`,
      label(p, plainVisible(p.label), colour, false),
    );
  }
  for (const p of v.run) {
    const colour = p.flagged ? FLAG : RUN;
    const name = plainVisible(p.label);
    out.push(
      `<line class="residual" x1="${X(p.x)}" y1="${Y(p.y)}" x2="${X(trendX(p.y))}" y2="${Y(p.y)}" stroke="${colour}" stroke-opacity="0.5" stroke-width="2"/>`,
      `<circle class="run-point${p.flagged ? ' flagged' : ''}" cx="${X(p.x)}" cy="${Y(p.y)}" r="${p.flagged ? 7 : 6}" fill="${colour}" stroke="#fff" stroke-width="1.5">${tip(name, p, ' (this run)')}</circle>`,
      label(p, name, colour, true),
    );
  }
  out.push('</svg>');
  return trusted(out.join('\n'));
}
