import { readText } from '../io/files.js';
import type { LoadedExam } from './load.js';
import { examUnits, type Unit } from './model.js';

/**
 * A marking guide as exam boards publish it, in plain text or Markdown: per question (and sub-part) the points and
 * what earns them, e.g.
 *
 *   ## Question 5
 *   - 1 point: correct equations for the terms
 *   - 1 point: d = 4 and a1 = 3
 *   13 b) 2 points: correct equation; 1 point: solution
 *
 * `rubric new --from guide.md` turns it into proposed rubric items that the author then edits: the points and
 * wording come from the guide, ids are `<unit>.<n>`, and the item that names the final answer is marked `auto` when
 * the unit has a machine-checkable answer. Lines it cannot place are reported, never dropped silently.
 */

export interface GuideItem {
  points: number;
  criterion: string;
  line: number;
}

export interface ParsedGuide {
  items: Map<string, GuideItem[]>;
  /** Lines that looked like marks but could not be placed, and why. */
  unplaced: { line: number; text: string; reason: string }[];
}

const POINTS = String.raw`(\d+)\s*(?:points?|pts?\.?|p\b|marks?)`;
/** "2 points: criterion" or "criterion — 2 points" / "criterion (2 p)". */
const LEADING = new RegExp(String.raw`^${POINTS}\s*[:.)\-–—]\s*(.+)$`, 'i');
const TRAILING = new RegExp(String.raw`^(.+?)\s*(?:[:\-–—]\s*|\(\s*)${POINTS}\s*\)?\.?$`, 'i');

/**
 * A heading or line start naming a question, optionally a sub-part: "## Question 13", "13 b)", "13b", "**5.**",
 * "Q7 (a)". Returns the number, the label and what follows.
 */
/** A line that starts with a sub-part label: "a) 2 points: …", "(b) …". */
const SUBPART = /^\(?([a-z])\)\s*(.*)$/i;

function readHeading(raw: string): { number: string; label?: string; rest: string } | undefined {
  const line = raw.trim();
  const marked = line.startsWith('#') || /^(\*\*)?\s*(question|task|problem|exercise|q)\s*\.?\s*\d/i.test(line);
  const text = line.replace(/^#{1,6}\s*/, '').replace(/\*\*/g, '');
  const m =
    /^(?:(?:question|task|problem|exercise|q)\s*\.?\s*)?(\d+)\s*(?:([a-z])\b\)?|\(([a-z])\)|\s([a-z])\))?\s*[.):]?\s*(.*)$/i.exec(
      text,
    );
  if (!m) return undefined;
  const label = m[2] ?? m[3] ?? m[4];
  const rest = m[5] ?? '';
  // A bare number starts a heading only when nothing, or marks ("1 point: …"), follow it.
  if (!marked && !(rest === '' || /^\d/.test(rest) || label)) return undefined;
  return { number: m[1], ...(label ? { label } : {}), rest };
}

function unitKey(units: Unit[], number: string, label?: string): string | undefined {
  const wanted = label ? [number, label.toLowerCase()] : [number];
  const unit = units.find(
    (u) => u.labels.length === wanted.length && u.labels.every((l, i) => l.toLowerCase() === wanted[i]),
  );
  if (unit) return unit.id;
  // A heading for a question with sub-parts: items must then name their sub-part.
  if (!label && units.some((u) => u.labels[0] === number)) return `question:${number}`;
  return undefined;
}

function parseMarks(text: string): { points: number; criterion: string }[] {
  const out: { points: number; criterion: string }[] = [];
  for (const piece of text.split(/;\s*/)) {
    const p = piece
      .replace(/^[-*•]\s*/, '')
      .replace(/\*\*/g, '')
      .trim();
    if (!p) continue;
    const lead = LEADING.exec(p);
    if (lead) {
      out.push({ points: Number(lead[1]), criterion: lead[2].trim() });
      continue;
    }
    const trail = TRAILING.exec(p);
    if (trail) out.push({ points: Number(trail[2]), criterion: trail[1].trim() });
  }
  return out;
}

export function parseMarkingGuide(text: string, loaded: LoadedExam): ParsedGuide {
  const units = examUnits(loaded.exam);
  const items = new Map<string, GuideItem[]>();
  const unplaced: ParsedGuide['unplaced'] = [];
  let current: string | undefined;
  const add = (key: string | undefined, marks: { points: number; criterion: string }[], line: number, raw: string) => {
    if (!marks.length) return;
    if (!key || key.startsWith('question:')) {
      unplaced.push({
        line,
        text: raw.trim(),
        reason: key
          ? `question ${key.slice('question:'.length)} has sub-parts: say which one (e.g. "${key.slice('question:'.length)} a)")`
          : 'no question heading before it',
      });
      return;
    }
    const list = items.get(key) ?? [];
    for (const m of marks) list.push({ ...m, line });
    items.set(key, list);
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    let rest = raw.replace(/^\s*[-*•]\s+/, '').trim();
    if (!rest) return;
    const heading = readHeading(rest);
    if (heading) {
      const key = unitKey(units, heading.number, heading.label);
      if (!key) {
        unplaced.push({
          line,
          text: raw.trim(),
          reason: `the exam has no question ${heading.number}${heading.label ?? ''}`,
        });
        current = undefined;
        return;
      }
      current = key;
      rest = heading.rest;
    }
    const sub = SUBPART.exec(rest);
    if (sub && current) {
      const number = current.startsWith('question:')
        ? current.slice('question:'.length)
        : units.find((u) => u.id === current)?.labels[0];
      const key = number ? unitKey(units, number, sub[1]) : undefined;
      if (key && !key.startsWith('question:')) {
        if (!current.startsWith('question:') && units.find((u) => u.id === current)?.labels.length === 1) {
          // "a)" under a one-unit question is text, not a sub-part.
        } else {
          current = current.startsWith('question:') ? current : `question:${number}`;
          add(key, parseMarks(sub[2]), line, raw);
          return;
        }
      }
    }
    const marks = parseMarks(rest);
    if (marks.length) add(current, marks, line, raw);
  });
  return { items, unplaced };
}

/** Reads a guide file (text or Markdown). */
export function readMarkingGuide(file: string, loaded: LoadedExam): ParsedGuide {
  return parseMarkingGuide(readText(file, 'marking guide'), loaded);
}

const FINAL = /\b(answer|result|solution|final|correct value|value of)\b/i;

/** Rubric items for one unit from the guide (the last item naming the final answer is `auto` if it can be checked). */
export function guideItems(unit: Unit, found: GuideItem[]): Record<string, unknown>[] {
  const finalIndex = unit.answer ? found.map((f) => FINAL.test(f.criterion)).lastIndexOf(true) : -1;
  return found.map((f, i) => ({
    id: `${unit.id}.${i + 1}`,
    points: f.points,
    criterion: f.criterion,
    ...(i === finalIndex ? { auto: true } : {}),
  }));
}
