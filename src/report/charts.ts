import { escapeHtml, type Html, plainVisible, trusted } from '../html/escape.js';
import type { ScatterView } from './benchmarks-section.js';
import { chartFrame, frameSvg } from './chart-frame.js';
import { niceAxis } from './stats.js';

/** ColorBrewer YlGnBu: sequential, colour-blind safe, and prints legibly in greyscale. */
const RAMP = ['#ffffd9', '#edf8b1', '#c7e9b4', '#7fcdbb', '#41b6c4', '#1d91c0', '#225ea8', '#0c2c84'];

const hex = (c: string) => [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16));

export function heatColor(fraction: number): { background: string; color: string } {
  const f = Math.min(1, Math.max(0, fraction)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(f));
  const t = f - i;
  const [a, b] = [hex(RAMP[i]), hex(RAMP[i + 1])];
  const rgb = a.map((v, k) => Math.round(v + (b[k] - v) * t));
  const lum = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
  return {
    background: `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`,
    color: lum < 0.5 ? '#ffffff' : '#1b1f24',
  };
}

export function heatStyle(fraction: unknown): string {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction)) return '';
  const c = heatColor(fraction);
  return `background:${c.background};color:${c.color}`;
}

export function heatLegendStyle(): string {
  return `background:linear-gradient(to right, ${RAMP.join(', ')})`;
}

/**
 * Exam score against public benchmark score, with the least-squares line, each model's residual as a stick to the
 * line, and labelled points. Flagged models are drawn in red. Pure SVG: no script, no fonts, no external references.
 */
export function scatterSvg(s: ScatterView): Html {
  const xs = s.points.map((p) => p.x);
  const ys = s.points.map((p) => p.y);
  const xa = niceAxis(Math.min(...xs), Math.max(...xs));
  const ya = niceAxis(Math.min(...ys, ...xs.map((x) => s.slope * x + s.intercept)), Math.max(...ys));
  const frame = chartFrame(880, 460, { top: 24, right: 150, bottom: 56, left: 64 }, xa, ya);
  const { X, Y } = frame;
  const out: string[] = frameSvg(frame, {
    id: `sc-${s.metric}-t`,
    clipId: `clip-${s.metric}`,
    title: `Exam score against ${s.metricLabel} score, one point per model`,
    xTitle: `${s.metricLabel} accuracy (%, public)`,
  });
  const line = () => {
    const y = (x: number) => s.slope * x + s.intercept;
    return `x1="${X(xa.lo)}" y1="${Y(y(xa.lo))}" x2="${X(xa.hi)}" y2="${Y(y(xa.hi))}"`;
  };
  out.push(`<g clip-path="url(#clip-${s.metric})">`);
  out.push(`<line ${line()} stroke="#1f4e79" stroke-width="2"/>`, '</g>');
  // Labels: right of each point, nudged apart vertically so that close points stay readable.
  const placed: { y: number; x: number }[] = [];
  const pts = [...s.points].sort((a, b) => b.y - a.y);
  for (const p of pts) {
    const cx = X(p.x);
    const cy = Y(p.y);
    const colour = p.flagged ? '#b42318' : '#1f4e79';
    const label = plainVisible(p.model.label);
    const shortLabel = label.length > 28 ? `${label.slice(0, 27)}…` : label;
    let ly = cy + 4;
    for (const q of placed) if (Math.abs(q.x - cx) < 140 && Math.abs(q.y - ly) < 14) ly = q.y + 14;
    placed.push({ x: cx, y: ly });
    out.push(
      `<line x1="${cx}" y1="${cy}" x2="${cx}" y2="${Y(s.slope * p.x + s.intercept)}" stroke="${colour}" stroke-opacity="0.35"/>`,
      `<circle cx="${cx}" cy="${cy}" r="${p.flagged ? 7 : 5.5}" fill="${colour}" fill-opacity="${p.flagged ? 0.9 : 0.8}" stroke="#fff" stroke-width="1.5"><title>${escapeHtml(`${label}: ${s.metricLabel} ${p.x.toFixed(1)}%, exam ${p.y.toFixed(1)}%, residual ${p.residual.toFixed(1)}${p.flagged ? ', suspected benchmark overfitting' : ''}`)}</title></circle>`,
      `<text x="${cx + 10}" y="${ly}" font-size="12" fill="${colour}"${p.flagged ? ' font-weight="700"' : ''}>${escapeHtml(shortLabel)}</text>`,
    );
  }
  out.push('</svg>');
  return trusted(out.join('\n'));
}
