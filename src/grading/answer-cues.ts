/**
 * The kinds of evidence that a response states a final answer, each found with where it stands and how sure it is:
 * an explicit cue ("Answer:", "the final answer is", "Válasz:", a "### Final Answer" heading), a box, a concluding
 * sentence ("So, the decimal value … is 43."), or a last equation whose left side is a bare unknown (x = …).
 * English and Hungarian, as real models write them.
 */

import { type BoxSpan, boxSpans, scanTopLevelBackward } from '../latex/brackets.js';
import {
  cutClause,
  isValueLike,
  lastValueIn,
  sentenceEnd,
  spanAt,
  stripMarkdown,
  trimSpan,
  type ValueHint,
} from './answer-span.js';

export type EvidenceSource = 'cue' | 'boxed' | 'conclusion' | 'equation' | 'whole';

export interface Evidence {
  text: string;
  source: EvidenceSource;
  confidence: number;
  /** Where the evidence starts in the text (later evidence of the same strength wins). */
  at: number;
  /** Where a cue's statement ends: a box inside it is the cue's, not a later statement. */
  end?: number;
}

/** Line-start headings: "**Answer:**", "### Final Answer", "Answer The ball …" (no colon), "Válasz:". */
const HEADING =
  /(?:^|\n)[ \t>#*_-]*(?:\*\*|__)?[ \t]*(final\s+answers?|answers?|final\s+result|végeredmény|válasz|felelet)(?:\s*\(([a-z0-9]{1,3})\))?[ \t]*(?:\*\*|__)?[ \t]*([:：.]|\s)?[ \t]*(?:\*\*|__)?/gi;

/** Cues inside a sentence: "the (final) answer is", "the answer to part (b) is", "a válasz: …", "the solutions are". */
const INLINE =
  /\b(?:(?:the\s+)?(?:final\s+)?(?:answer|result)(?:\s+(?:to|for)\s+(?:(?:part|question)\s+)?\(?[a-z0-9]{1,3}\)?|\s+(?:to|for)\s+(?:the|this)\s+(?:question|problem|task))?|the\s+(?:only\s+)?(?:real\s+)?solutions?(?:\s+set)?(?:\s+(?:of|to)\s+the\s+equation)?|(?:a\s+|az\s+)?(?:helyes\s+)?(?:válasz(?:unk)?|végeredmény|eredmény|megoldás(?:a|ok|ai)?|megoldáshalmaz)(?:\s+tehát)?)\s*(?:is|are|becomes|=|:|：|lesz|pedig|(?<=válasz\s*)(?:a|az)(?=\s))(?!\s*(?:not|n't|nem)\b)[ \t]*[:：]?/gi;

/** Longest stretch of a sentence that is searched for its value. */
const MAX_SENTENCE = 600;

function pushCue(out: Evidence[], at: number, whole: string, confidence: number, hint: ValueHint, end: number) {
  const span = whole.slice(0, MAX_SENTENCE);
  const inner = boxSpans(span);
  if (inner.length) {
    out.push({ text: joinBoxes(span, inner), source: 'cue', confidence, at, end });
    return;
  }
  // Right after the cue comes the value ("Answer: 7 (check: 7 × 8 = 56)"); else the sentence states it.
  const plain = trimSpan(cutClause(span.slice(0, sentenceEnd(span))));
  const value = (isValueLike(plain, hint) ? plain : undefined) ?? sentenceValue(span, hint);
  if (value) out.push({ text: value, source: 'cue', confidence, at, end });
  else {
    // "Válasz: a keresett valószínűség 0,375": a cue, then words, then the value.
    const last = lastValueIn(span.slice(0, sentenceEnd(span)));
    if (last) out.push({ text: last, source: 'cue', confidence: confidence - 0.1, at });
  }
}

/** "Note that if …", "Alternatively, …": a sentence that sets an answer aside rather than giving it. */
export function isAside(sentence: string): boolean {
  return /^\W*(?:note|remark|if|alternatively|otherwise|had|were|for\s+example|e\.g\.|megjegyzés|ha)\b/i.test(sentence);
}

/** Explicit answer cues, in text order. */
export function findCues(text: string, hint: ValueHint = {}): Evidence[] {
  const out: Evidence[] = [];
  for (const m of text.matchAll(HEADING)) {
    const start = m.index + m[0].length;
    const word = m[1].toLowerCase();
    const sep = m[3];
    const lineEnd = text.indexOf('\n', start);
    let rest = text.slice(start, lineEnd < 0 ? text.length : lineEnd).trim();
    // "Answer" with neither a colon nor a heading mark must be followed by words on the same line.
    const marked = Boolean(sep && /[:：]/.test(sep)) || /[#*_]/.test(m[0]);
    if (!marked && !rest) continue;
    if (
      !marked &&
      /^(?:the|this|these|each|all|following|choices?|options?|key|sheet)\b/i.test(rest) &&
      !/[=]|\d/.test(rest)
    )
      continue;
    if (/^(?:\\\[|\$\$|\\begin\{[a-z*]+\})\s*$/.test(rest)) {
      // "\[" alone on the line after the heading: the answer is the display it opens.
      const from = text.indexOf(rest, start);
      const block = text.slice(from).split(/\n[ \t]*\n/)[0];
      rest = block.trim();
    }
    if (!rest) {
      // "**Answer:**" or "### Final Answer" alone on its line: the answer is the paragraph below it.
      const below = text.slice(lineEnd < 0 ? text.length : lineEnd);
      const para = below.split(/\n[ \t]*\n/).find((p) => p.trim()) ?? '';
      rest = para.trim();
    }
    const confidence = word.startsWith('final') || word === 'végeredmény' ? 0.97 : 0.95;
    const restAt = text.indexOf(rest, start);
    pushCue(out, m.index, rest, confidence, hint, (restAt < 0 ? start : restAt) + rest.length);
  }
  for (const m of text.matchAll(INLINE)) {
    // "Note that if … the answer would be 336": an aside or a hypothetical, not the answer.
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const before = text.slice(Math.max(lineStart, m.index - 200), m.index);
    if (isAside(before.slice(before.search(/[^.!?]*$/)))) continue;
    const start = m.index + m[0].length;
    const rest = text.slice(start, start + MAX_SENTENCE);
    const span = rest.slice(0, sentenceEnd(rest));
    const strong = /answer|válasz|végeredmény/i.test(m[0]);
    pushCue(out, m.index, span, strong ? 0.93 : 0.85, hint, start + span.length);
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Boxes: the last one, or every box of the last sentence together ("\boxed{2} and \boxed{-3}" → "2, -3"). */
export function findBoxes(text: string): Evidence[] {
  const boxes = boxSpans(text).filter((b) => b.content.replace(/[\s$]/g, '') !== '');
  if (!boxes.length) return [];
  const group = [boxes[boxes.length - 1]];
  for (let i = boxes.length - 2; i >= 0; i--) {
    const between = text.slice(boxes[i].end, group[0].start);
    const glue = between.replace(/\\[()[\]]|\$/g, ' ');
    if (!/^[\s,;]*(?:and|or|és|vagy|,|\\text\{\s*(?:and|or|és|vagy)\s*\}|\\quad|\\qquad|&|\\\\)?[\s,;]*$/i.test(glue))
      break;
    group.unshift(boxes[i]);
  }
  return [{ text: joinBoxes(text, group), source: 'boxed', confidence: 0.9, at: group[0].start }];
}

function joinBoxes(_text: string, boxes: BoxSpan[]): string {
  const distinct = [...new Set(boxes.map((b) => b.content.trim()))];
  return distinct.join(', ');
}

const MARKER =
  /(?:^\W*|,\s*)(?:so|therefore|thus|hence|consequently|in\s+conclusion|in\s+summary|to\s+summari[sz]e|to\s+sum\s+up|in\s+short|in\s+total|altogether|overall|finally|this\s+(?:means|gives)|that\s+(?:means|gives)|we\s+(?:get|obtain|find|have|conclude)|which\s+(?:gives|is|equals|means)|giving|∴|összefoglalva|összesen|eszerint|következésképpen|végül)\b|(?:^|[\s,])(?:tehát|így|vagyis|azaz|ezért|ebből|kapjuk)\b/i;
const VERB =
  /(?:\s(?:is|are|was|were|equals?|becomes|comes\s+(?:out\s+)?to|amounts\s+to|totals?|gives|get|obtain|be|(?:simplifies|reduces|evaluates|rounds)\s+to|consists?\s+of|costs?|weighs?|measures?|lesz|értéke|egyenlő|kapjuk|adódik)\b|=|≈|\\approx|\\Rightarrow|⇒|→|\\to\b|:(?=\s))/gi;

/** The value a sentence concludes with: a bare-name assignment, or what follows its last verb. */
export function sentenceValue(sentence: string, hint: ValueHint = {}): string | undefined {
  // A stated value sits near the end of its sentence; bounding the window keeps hostile input linear.
  const s = stripMarkdown(sentence.slice(-MAX_SENTENCE).replace(/\s+/g, ' '));
  // "x = 3 and y = −1": an assignment to a bare unknown, kept whole.
  const assign =
    /(?:^|[\s,:(])\$?\\?\(?\s*([A-Za-z](?:_\{?[A-Za-z0-9]+\}?|[₀-₉]+)?(?:'+|\^\{?-1\}?|⁻¹)?(?:\s*\([A-Za-z0-9]{1,3}\))?)\s*(?:=|≥|≤|<|>|\\[gl]eq?\b|\\in\b|∈)(?!=)/.exec(
      s,
    );
  if (assign && !/=.*=.*=/.test(s.slice(assign.index))) {
    const from = assign.index + assign[0].length - assign[0].trimStart().length;
    const span = trimSpan(spanAt(s, from));
    if (isValueLike(span, hint)) return span;
  }
  const verbs = [...s.matchAll(VERB)];
  for (let i = verbs.length - 1; i >= 0; i--) {
    const v = verbs[i];
    // An equation states an answer only when its left side is the unknown: "x = 3", not "\frac{…}{…} = 2".
    if (v[0] === '=' && !equationLhsIsUnknown(s, v.index)) continue;
    const span = trimSpan(spanAt(s, v.index + v[0].length));
    if (span && isValueLike(span, hint) && !isIdentity(span)) return span;
  }
  return undefined;
}

const FUNCTION_NAMES = new Set([
  'log',
  'sin',
  'cos',
  'tan',
  'cot',
  'lim',
  'max',
  'min',
  'det',
  'exp',
  'arcsin',
  'arccos',
  'arctan',
]);

/**
 * Whether the equation whose `=` stands at `eq` has a bare unknown (or nothing but prose: "which gives = 720") on
 * its left. The left side runs back to the maths segment's start, a clause mark, or the last prose word.
 */
export function equationLhsIsUnknown(s: string, eq: number): boolean {
  // A bracket left open before the `=` starts the maths only when it is `\(`, `\[` or `\{`.
  const opens = (c: string) => c === '(' || c === '{' || c === '[';
  const stop = scanTopLevelBackward(
    s,
    (i) => {
      const c = s[i];
      if (opens(c)) return s[i - 1] === '\\';
      return c === '$' || c === ',' || c === ':' || c === ';' || c === '\n';
    },
    eq - 1,
  );
  const start = stop + 1;
  let lhs = s.slice(start, eq);
  // Prose before the maths ("the value x", "which gives"): keep what follows the last prose word. Words inside
  // \text{…} are part of a name (P(\text{at least one six})), so they are masked before looking.
  const masked = lhs.replace(/\\(?:text|mathrm|operatorname)\s*\{[^}]*\}/g, (m) => '#'.repeat(m.length));
  for (const m of masked.matchAll(/(?<![\\_^{A-Za-z])[A-Za-zÀ-ž]{3,}\b/g)) {
    if (FUNCTION_NAMES.has(m[0].toLowerCase())) continue;
    lhs = s.slice(start + m.index + m[0].length, eq);
  }
  const first = lhs.split(/(?<![<>!=\\])=(?!=)|≈|\\approx/)[0].trim();
  return first === '' || isBareUnknown(stripMarkdown(first));
}

/**
 * "\frac{2x^2-2}{x(x-1)(x+1)} = 2": an equation whose left side is an expression in the unknowns, not the unknown
 * itself, so its right side is not an answer. A computation ("2 · 3 = 6") is not an identity.
 */
export function isIdentity(span: string): boolean {
  const sides = span.split(/(?<![<>!=\\])=(?!=)/);
  if (sides.length < 2) return false;
  const lhs = stripMarkdown(sides[0]).replace(/\$/g, '').trim();
  const letters = lhs.replace(/\\(?:frac|dfrac|tfrac|sqrt|cdot|times|left|right|text\{[^}]*\})/g, '');
  return /[A-Za-z]/.test(letters) && !isBareUnknown(lhs);
}

/** Sentences of the last paragraph, last first (up to `max`). */
function lastSentences(text: string, max: number): { text: string; at: number; question: boolean }[] {
  const trimmed = text.replace(/\s+$/, '').slice(-3000);
  const shift = text.replace(/\s+$/, '').length - trimmed.length;
  const paraStart = Math.max(0, trimmed.lastIndexOf('\n\n') + 1);
  const para = trimmed.slice(paraStart);
  const out: { text: string; at: number; question: boolean }[] = [];
  let from = 0;
  while (from < para.length) {
    const end = sentenceEnd(para.slice(from));
    const s = para.slice(from, from + end).trim();
    if (s) out.push({ text: s, at: shift + paraStart + from, question: para[from + end] === '?' });
    from += end + 1;
  }
  return out.reverse().slice(0, max);
}

const NONE_IN_SENTENCE =
  /\b(?:has|have|there\s+(?:is|are))\s+no\s+(?:real\s+)?solutions?\b|\bno\s+(?:real\s+)?solutions?\s+(?:exists?|at\s+all)|\bnincs(?:en)?\s+(?:valós\s+)?megoldás(?:a|uk)?\b|\bmegoldáshalmaz(?:a)?\s+(?:az\s+)?üres/i;

/** A concluding sentence near the end: "Therefore, log₂(2x) is 6.", "… which gives = 720 arrangements." */
export function findConclusion(text: string, hint: ValueHint = {}): Evidence[] {
  const sentences = lastSentences(text, 3);
  for (const [k, s] of sentences.entries()) {
    // "Shall I work out the number, or would you prefer …?": an offer is not a conclusion; nor is an aside.
    if (s.question || isAside(s.text)) continue;
    const marked = MARKER.test(s.text) || /\b(?:which|that)\s+(?:is|gives|equals|means)\b/i.test(s.text);
    let value = sentenceValue(s.text, hint);
    if (!value && marked) value = lastValueIn(cutClause(s.text));
    // "Tehát az egyenletnek nincs megoldása.", "So the equation has no real solution."
    if (!value && (marked || k === 0) && NONE_IN_SENTENCE.test(s.text)) value = 'no solution';
    if (!value) continue;
    // An unmarked sentence counts only as the very last one; marked ones a little further back.
    if (!marked && k > 0) continue;
    const confidence = marked ? 0.8 - 0.1 * k : 0.7;
    return [{ text: value, source: 'conclusion', confidence, at: s.at }];
  }
  return [];
}

const BARE_NAME =
  /^\s*(?:\\(?:mathrm|text|operatorname)\s*\{[^}]*\}|\\?[A-Za-z]{1,3}|\\(?:alpha|beta|gamma|varphi|phi|theta|angle\s*[A-Za-z]{1,3}))(?:_\{?[A-Za-z0-9,]+\}?|[₀-₉]+)?(?:'+|\^\{?-1\}?|⁻¹)?(?:\s*\((?:[^()]|\\text\{[^}]*\}){0,40}\))?\s*$/;

/** Whether the left side of an equation is an unknown being named (x, P(A), S_{20}, f(2)), not an expression. */
export function isBareUnknown(side: string): boolean {
  const t = side.replace(/^\\left|\\right$/g, '').trim();
  return BARE_NAME.test(t) && !/^\\?(?:pi|e|sin|cos|tan|log|ln)$/.test(t);
}

/** The last equation of the text's final stretch, as its last side, when its left side is a bare unknown. */
export function findEquation(text: string): Evidence[] {
  const tail = text.slice(Math.max(0, text.length - 600));
  const offset = text.length - tail.length;
  const segments = [
    ...tail.matchAll(/\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\$([^$\n]+)\$|\\\(([\s\S]+?)\\\)|^([^$\n]*=[^$\n]*)$/gm),
  ];
  for (let i = segments.length - 1; i >= 0; i--) {
    const m = segments[i];
    const body = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '').trim();
    if (!/(?<![<>!=\\])=(?!=)/.test(body)) continue;
    const lines = body.split(/\\\\|\n/).filter((l) => l.includes('='));
    const last = lines[lines.length - 1] ?? body;
    const sides = last
      .replace(/&/g, '')
      .split(/(?<![<>!=\\])=(?!=)/)
      .map((x) => x.trim());
    // "= 2" continuing an aligned chain: the unknown is on an earlier line.
    const lhs = sides[0] || (lines[0] ?? '').split('=')[0].trim();
    if (!isBareUnknown(stripMarkdown(lhs))) return [];
    const rhs = sides[sides.length - 1];
    if (!rhs) return [];
    return [{ text: `${lhs} = ${rhs}`, source: 'equation', confidence: 0.6, at: offset + m.index }];
  }
  return [];
}

/** A response that is nothing but a value ("-5", "7,425,000", "$\frac38$", "C"). */
export function findWhole(text: string, hint: ValueHint = {}): Evidence[] {
  if (text.length > 400) return [];
  const t = stripMarkdown(text.trim());
  if (!t || t.length > 80 || t.includes('\n')) return [];
  const span = trimSpan(t.replace(/\n/g, ' '));
  if (!isValueLike(span, hint) && !(hint.kind === 'choice' && /^[A-E]$/i.test(span))) return [];
  // A short sentence ("It is 5.") is a conclusion, not a bare value.
  if (/\s(?:is|are|was)\s/i.test(span)) return [];
  return [{ text: span, source: 'whole', confidence: 0.9, at: 0 }];
}
