import type { Comparison } from './comparison.js';

/** Choice letters ("D) 1 unit to the left" is D) and free text (case, spacing and quotes aside). */

function unwrapText(s: string): string {
  let t = s.normalize('NFKC');
  for (let i = 0; i < 3; i++) t = t.replace(/\\(?:text|textbf|textrm|mathrm|mathbf|mbox|textit)\s*\{([^{}]*)\}/g, '$1');
  return t.replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g, '').trim();
}

export function compareChoice(candidate: string, expected: string[]): Comparison {
  const u = unwrapText(candidate).replace(/^(?:option|answer|choice|válasz)\s*[:.]?\s*/i, '');
  // "D) 1 unit to the left…": the letter, followed by the option's own text.
  const labelled =
    /^[(*_\s]*([A-Za-z])\s*[).:][*_]*\s+(?![A-Za-z][).:](?:\s|$))(?!.*(?:^|\s)\(?[A-Za-z]\)(?:\s|$))/.exec(u);
  const t = labelled ? labelled[1] : u.replace(/[()[\]{}*_.:$\s]/g, '');
  if (!/^[A-Za-z]$/.test(t)) return { equal: false, detail: 'not a single choice letter' };
  return { equal: expected.some((e) => e.trim().toUpperCase() === t.toUpperCase()) };
}

function normText(s: string): string {
  return unwrapText(s)
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/^["'“”„«»\s]+|["'“”„«».!?\s]+$/g, '');
}

export function compareText(candidate: string, expected: string[]): Comparison {
  const c = normText(candidate);
  return { equal: expected.some((e) => normText(e) === c) };
}
