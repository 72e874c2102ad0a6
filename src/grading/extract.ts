/**
 * Final-answer extraction, ordered by evidence as a human grader reads: an explicit cue ("Answer:", "the final
 * answer is", "Válasz:") or a box, whichever the response states last; then a concluding sentence; then a last
 * equation whose left side is a bare unknown. A whole response that is only a value is its own answer. Each
 * extraction records its source and a confidence. `readFinalAnswer` adds what makes a reading undetermined:
 * no answer, a truncated response, or a low-confidence read.
 */

import { boxedContents } from '../latex/brackets.js';
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
import { truncationReason } from './truncation.js';

export { boxedContents, matchBrace } from '../latex/brackets.js';
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
  // "Final answer: \boxed{72} (if …) or \boxed{18} (if …)": the boxes belong to the cue, which reads them all.
  const holder = evidence.find((e) => pick && e !== pick && e.end !== undefined && e.at < pick.at && pick.at < e.end);
  return holder ?? pick;
}

/** The final answer of one section of text, or undefined when it states none. */
export function extractFinalAnswer(raw: string, hint: ValueHint = {}): ExtractedAnswer | undefined {
  return pickFinalAnswer(raw, hint).answer;
}

/** Words with which a response takes back what it said: the later statement then stands alone. */
const SELF_CORRECTION =
  /\b(?:wait|actually|correction|mistake|error|i\s+made|let\s+me\s+re|re-?check|re-?calculat|on\s+second\s+thought|oops|sorry|javítás|tévedtem|hibás|helyesen|valójában)/i;

/** Words that start a check of an answer already given: a cut there leaves the answer standing. */
const CHECK =
  /\b(?:check|checking|verif(?:y|ication)|let(?:'s| us)\s+(?:double-?)?check|to\s+confirm|ellenőrzés|ellenőrizzük|próba)\b/i;

/** A key-free reading of a stated value, to tell whether two statements say the same thing. */
function statedValue(s: string): string {
  const t = cleanAnswer(s)
    .replace(/^[^=]{0,20}=(?!=)/, '')
    .replace(/\\text\s*\{[^}]*\}|[A-Za-zÀ-ž²³]+\.?$/g, '')
    .replace(/\s|\\[,;! ]|\{,\}/g, '')
    .replace(/−/g, '-');
  const n = Number(t.replace(/,(?=\d{1,2}$)/, '.').replace(/,/g, ''));
  return Number.isFinite(n) && t !== '' ? String(n) : t;
}

/**
 * Reads a section, and says when it cannot: two final statements that disagree ("### Final Answer x = 4" then
 * "… gives x = 5"), with no word taking the first back, leave the answer undetermined.
 */
function pickFinalAnswer(
  raw: string,
  hint: ValueHint = {},
): { answer?: ExtractedAnswer; conflict?: string; at?: number } {
  const text = afterThinking(raw.replace(/\r\n?/g, '\n'));
  const cues = findCues(text, hint);
  const strong = best([...cues, ...findBoxes(text)]);
  const conclusion = findConclusion(text, hint)[0];
  // A response that ends by asking ("… or would you prefer to try that step yourself?") has not concluded.
  const asks = /\?\s*[*_]*\s*$/.test(text);
  const pick = strong ?? findWhole(text, hint)[0] ?? (asks ? undefined : (conclusion ?? findEquation(text)[0]));
  if (!pick) return {};
  const answer = cleanAnswer(pick.text);
  if (!answer) return {};
  const out = { answer: { text: answer, source: pick.source, confidence: pick.confidence }, at: pick.at };
  if (!strong) return out;
  const rivals = [
    ...cues.filter((c) => c.at < pick.at),
    ...(conclusion && conclusion.at > pick.at && conclusion.confidence >= 0.8 ? [conclusion] : []),
  ];
  const mine = statedValue(pick.text);
  for (const r of rivals) {
    const theirs = statedValue(r.text);
    // Empty, the same, or one of a list that includes it ("14, 155" then "155"): no conflict.
    if (!theirs || theirs === mine || r.text.split(',').some((p) => statedValue(p) === mine)) continue;
    const between = text.slice(Math.min(r.at, pick.at), Math.max(r.at, pick.at) + 1);
    if (SELF_CORRECTION.test(between) && r.at < pick.at) continue;
    // A number in a check of the answer ("Let me verify: … so 6 ·") is not a second answer.
    if (r.at > pick.at && CHECK.test(text.slice(pick.at, r.at + 120))) continue;
    return { ...out, conflict: `it states two final answers: ${cleanAnswer(r.text)} and ${answer}` };
  }
  return out;
}

export interface ReadOptions {
  /** The provider's finish reason: `length` means the answer was cut off. */
  finishReason?: string;
  hint?: ValueHint;
}

/** The final answer of one section, or the reason it is undetermined (none, truncated, low confidence). */
export function readFinalAnswer(text: string, opts: ReadOptions = {}): AnswerReading {
  const { answer, conflict, at } = pickFinalAnswer(text, opts.hint);
  const truncated = truncationReason(text, opts.finishReason);
  if (truncated) {
    // "… \boxed{24}. Let's check: 4! = " — cut while checking an answer it had stated plainly.
    const after = at === undefined ? '' : text.slice(at);
    if (answer && answer.confidence >= 0.9 && !conflict && CHECK.test(after))
      return { answer: { ...answer, confidence: 0.85 } };
    return { answer, undetermined: `truncated: ${truncated}` };
  }
  if (!answer) return { undetermined: 'no final answer found' };
  if (conflict) return { answer, undetermined: conflict };
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
    // Worked through first, answered in a closing summary ("Final answers:\n- a) …\n- b) …"): the last entry at a
    // line start labelled for this unit, cut at its siblings' labels, that states an answer.
    if (u.path.length === 1) {
      const later = laterSections(text, u.path[0], topLabels, { lineStart: true });
      for (const section of [...later].reverse()) {
        const r = readFinalAnswer(section, { hint: u.hint });
        if (r.answer && !r.undetermined) {
          reading = r;
          break;
        }
      }
    }
    if (truncated && (i === lastFound || !reading.answer))
      reading = { ...reading, undetermined: `truncated: ${truncated}` };
    out.set(u.id, reading);
  });
  return out;
}

/** The extracted answer per unit, whatever its confidence (undefined where none was read). */
export function extractUnitAnswers(text: string, units: UnitLabelInfo[]): Map<string, ExtractedAnswer | undefined> {
  return new Map([...readUnitAnswers(text, units)].map(([id, r]) => [id, r.answer]));
}
