import { escapeHtml } from '../html/escape.js';
import type { niceAxis } from './stats.js';

type Axis = ReturnType<typeof niceAxis>;

const r1 = (v: number) => Math.round(v * 10) / 10;

/** A scatter chart's geometry: the plot area inside its margins and the two scales, rounded to 0.1 px. */
export interface ChartFrame {
  W: number;
  H: number;
  m: { top: number; right: number; bottom: number; left: number };
  pw: number;
  ph: number;
  xa: Axis;
  ya: Axis;
  X(v: number): number;
  Y(v: number): number;
}

export function chartFrame(W: number, H: number, m: ChartFrame['m'], xa: Axis, ya: Axis): ChartFrame {
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  return {
    W,
    H,
    m,
    pw,
    ph,
    xa,
    ya,
    X: (v) => r1(m.left + ((v - xa.lo) / (xa.hi - xa.lo)) * pw),
    Y: (v) => r1(m.top + ph - ((v - ya.lo) / (ya.hi - ya.lo)) * ph),
  };
}

/**
 * The SVG's opening, its title, the plot's clip path and background, the grid with tick labels, and the two axis
 * titles: what every scatter of the report draws the same way. `xTitle` is plain text (escaped here).
 */
export function frameSvg(
  f: ChartFrame,
  o: { id: string; clipId: string; className?: string; title: string; xTitle: string },
): string[] {
  const { W, H, m, pw, ph, X, Y } = f;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${o.id}"${o.className ? ` class="${o.className}"` : ''}>`,
    `<title id="${o.id}">${escapeHtml(o.title)}</title>`,
    `<defs><clipPath id="${o.clipId}"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath></defs>`,
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="#fbfcfd" stroke="#d9dee4"/>`,
  ];
  for (const t of f.xa.ticks) {
    out.push(
      `<line x1="${X(t)}" x2="${X(t)}" y1="${m.top}" y2="${m.top + ph}" stroke="#e6e9ed"/>`,
      `<text x="${X(t)}" y="${m.top + ph + 18}" text-anchor="middle" font-size="12" fill="#5b6470">${t}</text>`,
    );
  }
  for (const t of f.ya.ticks) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e6e9ed"/>`,
      `<text x="${m.left - 8}" y="${Y(t) + 4}" text-anchor="end" font-size="12" fill="#5b6470">${t}</text>`,
    );
  }
  out.push(
    `<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle" font-size="13" fill="#1b1f24">${escapeHtml(o.xTitle)}</text>`,
    `<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="#1b1f24">Held-out exam score (%)</text>`,
  );
  return out;
}
