/**
 * Final-answer extraction, ordered by evidence as a human grader reads: an explicit cue ("Answer:", "the final
 * answer is", "Válasz:") or a box, whichever the response states last; then a concluding sentence; then a last
 * equation whose left side is a bare unknown. A whole response that is only a value is its own answer. Each
 * extraction records its source and a confidence. `readFinalAnswer` adds what makes a reading undetermined:
 * no answer, a truncated response, or a low-confidence read.
 */

import {
  type Evidence,
  type EvidenceSource,
  findBoxes,
  findConclusion,
  findCues,
  findEquation,
  findWhole,
} from './answer-cues.js';
import { laterSections, sectionsFor, splitByLabels } from './answer-sections.js';
import type { ValueHint } from './answer-span.js';
import { boxedContents } from './latex-scan.js';
import { truncationReason } from './truncation.js';

export { boxedContents, matchBrace } from './latex-scan.js';
export { splitByLabels };

export type ExtractSource = EvidenceSource;

export interface ExtractedAnswer {
  text: string;
  source: ExtractSource;
  /** 0..1: how sure the reading is (a cue or box is near 1, a last equation 0.6). */
  confidence: number;
}

/** What the checker reads from one section: an answer, and why it cannot decide when it cannot. */
export interface AnswerReading {
  answer?: ExtractedAnswer;
  undetermined?: string;
}

/** Below this confidence a reading is not graded automatically. */
export const MIN_CONFIDENCE = 0.5;

/** Strips `$…$`, `\(…\)` and surrounding punctuation from an extracted answer. */
export function cleanAnswer(s: string): string {
  let t = s.trim();
  // Maths delimiters anywhere ("$6$ hours", "€$90$", "\\(x = 4\\) cm"): they go, the maths stays.
  t = t
    .replace(/(?<!\\)\$+/g, ' ')
    .replace(/\\[()[\]]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
  for (let i = 0; i < 3; i++) {
    const before = t;
    t = t.replace(/^\$+|\$+$/g, '').trim();
    t = t.replace(/^\\\(|\\\)$/g, '').trim();
    t = t.replace(/^\\\[|\\\]$/g, '').trim();
    t = t.replace(/[.,;]$/, '').trim();
    if (t === before) break;
  }
  return t;
}

/** Reasoning models think first; the answer is what follows the thinking. */
function afterThinking(text: string): string {
  const end = text.lastIndexOf('</think>');
  if (end < 0) return text;
  const rest = text.slice(end + '</think>'.length);
  return rest.trim() ? rest : text;
}

function best(evidence: Evidence[]): Evidence | undefined {
  let pick: Evidence | undefined;
  for (const e of evidence) if (!pick || e.at >= pick.at) pick = e;
  return pick;
}

/** The final answer of one section of text, or undefined when it states none. */
export function extractFinalAnswer(raw: string, hint: ValueHint = {}): ExtractedAnswer | undefined {
  const text = afterThinking(raw.replace(/\r\n?/g, '\n'));
  const pick =
    best([...findCues(text, hint), ...findBoxes(text)]) ??
    findWhole(text, hint)[0] ??
    findConclusion(text, hint)[0] ??
    findEquation(text)[0];
  if (!pick) return undefined;
  const answer = cleanAnswer(pick.text);
  return answer ? { text: answer, source: pick.source, confidence: pick.confidence } : undefined;
}

export interface ReadOptions {
  /** The provider's finish reason: `length` means the answer was cut off. */
  finishReason?: string;
  hint?: ValueHint;
}

/** The final answer of one section, or the reason it is undetermined (none, truncated, low confidence). */
export function readFinalAnswer(text: string, opts: ReadOptions = {}): AnswerReading {
  const answer = extractFinalAnswer(text, opts.hint);
  const truncated = truncationReason(text, opts.finishReason);
  if (truncated) return { answer, undetermined: `truncated: ${truncated}` };
  if (!answer) return { undetermined: 'no final answer found' };
  if (answer.confidence < MIN_CONFIDENCE)
    return { answer, undetermined: `low confidence (${answer.confidence}) in the ${answer.source} reading` };
  return { answer };
}

export interface UnitLabelInfo {
  id: string;
  /** Labels below the question, e.g. ["a"] or ["b", "ii"]; empty when the unit is the question itself. */
  path: string[];
  hint?: ValueHint;
}

/**
 * The reading for each unit of a response. One unit: the whole text. Several: each labelled section; when no
 * labels are found at all and there are exactly as many boxes as units, the boxes in order. A truncated response
 * leaves undetermined only the unit whose section it cuts (the last one) and units with no answer.
 */
export function readUnitAnswers(
  raw: string,
  units: UnitLabelInfo[],
  opts: { finishReason?: string } = {},
): Map<string, AnswerReading> {
  const text = afterThinking(raw.replace(/\r\n?/g, '\n'));
  const out = new Map<string, AnswerReading>();
  if (units.length === 1 && units[0].path.length <= 1) {
    const only = units[0];
    const section = only.path.length ? splitByLabels(text, only.path)[0] : undefined;
    const read = (t: string) => readFinalAnswer(t, { finishReason: opts.finishReason, hint: only.hint });
    const own = section === undefined ? undefined : read(section);
    out.set(only.id, own?.answer ? own : read(text));
    return out;
  }
  const sections = sectionsFor(
    text,
    units.map((u) => u.path),
  );
  const truncated = truncationReason(text, opts.finishReason);
  if (sections.every((s) => s === undefined)) {
    const boxes = boxedContents(text);
    units.forEach((u) => {
      out.set(u.id, { undetermined: 'no labelled answer for this sub-part' });
    });
    if (boxes.length === units.length)
      units.forEach((u, i) => {
        out.set(u.id, { answer: { text: cleanAnswer(boxes[i]), source: 'boxed', confidence: 0.8 } });
      });
    if (truncated) for (const u of units) out.set(u.id, { ...out.get(u.id), undetermined: `truncated: ${truncated}` });
    return out;
  }
  const topLabels = [...new Set(units.map((u) => u.path[0]))];
  const lastFound = sections.reduce((acc, s, i) => (s === undefined ? acc : i), -1);
  units.forEach((u, i) => {
    const s = sections[i];
    let reading: AnswerReading =
      s === undefined ? { undetermined: 'no section for this sub-part' } : readFinalAnswer(s, { hint: u.hint });
    // Worked through first, answered in a closing summary ("Final answers: a) …, b) …").
    if (!reading.answer && u.path.length === 1) {
      for (const later of laterSections(text, u.path[0], topLabels).reverse()) {
        const r = readFinalAnswer(later, { hint: u.hint });
        if (r.answer && !r.undetermined) {
          reading = r;
          break;
        }
      }
    }
    if (truncated && (i === lastFound || !reading.answer)) reading = { ...reading, undetermined: `truncated: ${truncated}` };
    out.set(u.id, reading);
  });
  return out;
}

/** The extracted answer per unit, whatever its confidence (undefined where none was read). */
export function extractUnitAnswers(text: string, units: UnitLabelInfo[]): Map<string, ExtractedAnswer | undefined> {
  return new Map([...readUnitAnswers(text, units)].map(([id, r]) => [id, r.answer]));
}
