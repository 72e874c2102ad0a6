/**
 * Final-answer extraction: the last `\boxed{}`, else the last "answer:" line, else the last displayed
 * expression. A question asked with its sub-parts together is graded per unit, so `extractUnitAnswers`
 * first cuts the response into its labelled sections ("a)", "(b)", "c.").
 */

export type ExtractSource = 'boxed' | 'answer-line' | 'display' | 'whole';

export interface ExtractedAnswer {
  text: string;
  source: ExtractSource;
}

/** Contents of every outermost `\boxed{…}` / `\fbox{…}` in order, nested braces handled, inner boxes unwrapped. */
export function boxedContents(text: string): string[] {
  const out: string[] = [];
  const re = /\\(?:boxed|fbox)\s*\{/g;
  let m: RegExpExecArray | null = re.exec(text);
  while (m) {
    const open = m.index + m[0].length - 1;
    const close = matchBrace(text, open);
    if (close < 0) break;
    out.push(unwrapBoxes(text.slice(open + 1, close)));
    re.lastIndex = close + 1;
    m = re.exec(text);
  }
  return out;
}

function unwrapBoxes(s: string): string {
  // Answers like \boxed{\boxed{5}}: keep the innermost when the whole content is a box.
  for (let depth = 0; depth < 50; depth++) {
    const t = s.trim();
    const m = /^\\(?:boxed|fbox)\s*\{/.exec(t);
    if (!m) return t;
    const close = matchBrace(t, m[0].length - 1);
    if (close !== t.length - 1) return t;
    s = t.slice(m[0].length, close);
  }
  return s.trim();
}

/** Index of the brace closing the one at `open`, skipping escaped braces; -1 when unbalanced. */
export function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const ANSWER_LINE = /(?:^|\n)[ \t>*_#-]*(?:final\s+answer|answer|végeredmény|válasz)\s*(?:is)?\s*[:：][ \t]*([^\n]*)/gi;
/** "The answer is 90." / "so the final answer is $\frac87$", anywhere in a line. */
const ANSWER_IS =
  /\b(?:final\s+answer|answer)(?:\s+(?:to|for)\s+(?:part\s+)?\(?[a-z]\)?)?\s+is\s*[:：]?[ \t]*([^\n]+)/gi;

function cleanLine(s: string): string {
  return s
    .replace(/[*_]+/g, (m) => (m.length >= 2 ? '' : m))
    .trim()
    .replace(/[.。]$/, '')
    .trim();
}

function answerLine(text: string): string | undefined {
  let last: { at: number; text: string } | undefined;
  for (const m of text.matchAll(ANSWER_LINE)) {
    let t = cleanLine(m[1]);
    // "**Answer:**" alone on its line: the answer is the paragraph below it.
    if (!t)
      t = cleanLine(
        (
          text
            .slice(m.index + m[0].length)
            .split(/\n[ \t]*\n/)
            .find((p) => p.trim()) ?? ''
        ).replace(/\s*\n\s*/g, ' '),
      );
    if (t && (!last || m.index >= last.at)) last = { at: m.index, text: t };
  }
  for (const m of text.matchAll(ANSWER_IS)) {
    // Up to the end of the sentence: "... is 90. I hope it is correct."
    const t = cleanLine(m[1].split(/[.。!]\s+(?=[A-Z])/)[0]);
    if (t && (!last || m.index > last.at)) last = { at: m.index, text: t };
  }
  return last?.text;
}

function lastDisplay(text: string): string | undefined {
  let last: string | undefined;
  for (const m of text.matchAll(/\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]/g)) last = (m[1] ?? m[2]).trim();
  return last || undefined;
}

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

/** The final answer of one section of text, or undefined when it states none. */
export function extractFinalAnswer(text: string): ExtractedAnswer | undefined {
  // An empty box (`\\boxed{}`) states nothing; the last box with content is the answer.
  const boxes = boxedContents(text).filter((b) => cleanAnswer(b) !== '');
  if (boxes.length) return { text: cleanAnswer(boxes[boxes.length - 1]), source: 'boxed' };
  const line = answerLine(text);
  if (line) return { text: cleanAnswer(line), source: 'answer-line' };
  const display = lastDisplay(text);
  if (display) return { text: cleanAnswer(display), source: 'display' };
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where the section for `label` starts: "a)", "(a)", "a.", "a:" or "Part a", at a line start or after space. */
function labelPattern(label: string): RegExp {
  const l = escapeRe(label);
  const lead = '(?:^|(?<=[\\s>|]))[ \\t]*(?:[*_#]+[ \\t]*)?';
  const forms = [
    `\\(${l}\\)`,
    `${l}\\)`,
    `(?:part|rész)[ \\t]+\\(?${l}\\)?[ \\t]*[:.)]?`,
    // "a." and "a:" only at a line start, where they cannot be a sentence's last word.
    `(?<=^|\\n)[ \\t]*(?:[*_#]+[ \\t]*)?${l}[.:]`,
  ];
  return new RegExp(`${lead}(?:${forms.join('|')})(?:[*_]+)?(?=\\s|$|\\\\|\\$)`, 'gim');
}

/**
 * Cuts `text` into sections for the given labels, in order. A label is searched for only after the previous
 * one, so "f(a)" in a formula far before "a)" does not confuse it. Returns undefined for labels not found.
 */
export function splitByLabels(text: string, labels: string[]): (string | undefined)[] {
  const starts: (number | undefined)[] = [];
  const ends: (number | undefined)[] = [];
  let from = 0;
  for (const label of labels) {
    const re = labelPattern(label);
    re.lastIndex = from;
    const m = re.exec(text);
    if (m) {
      starts.push(m.index + m[0].length);
      ends.push(m.index);
      from = m.index + m[0].length;
    } else {
      starts.push(undefined);
      ends.push(undefined);
    }
  }
  return labels.map((_, i) => {
    const s = starts[i];
    if (s === undefined) return undefined;
    let e = text.length;
    for (let j = i + 1; j < labels.length; j++) {
      const next = ends[j];
      if (next !== undefined) {
        e = next;
        break;
      }
    }
    return text.slice(s, e);
  });
}

export interface UnitLabelInfo {
  id: string;
  /** Labels below the question, e.g. ["a"] or ["b", "ii"]; empty when the unit is the question itself. */
  path: string[];
}

/**
 * The final answer for each unit of a response. One unit: the whole text. Several: each labelled section;
 * when no labels are found at all and there are exactly as many boxes as units, the boxes in order.
 */
export function extractUnitAnswers(text: string, units: UnitLabelInfo[]): Map<string, ExtractedAnswer | undefined> {
  const out = new Map<string, ExtractedAnswer | undefined>();
  if (units.length === 1 && units[0].path.length <= 1) {
    // One unit (a split sub-part, or a question without sub-parts): its own label may or may not be there.
    const only = units[0];
    const section = only.path.length ? splitByLabels(text, only.path)[0] : undefined;
    out.set(only.id, (section && extractFinalAnswer(section)) || extractFinalAnswer(text));
    return out;
  }
  const sections = sectionsFor(
    text,
    units.map((u) => u.path),
  );
  const found = sections.filter((s) => s !== undefined).length;
  if (found === 0) {
    const boxes = boxedContents(text);
    units.forEach((u, i) => {
      out.set(u.id, boxes.length === units.length ? { text: cleanAnswer(boxes[i]), source: 'boxed' } : undefined);
    });
    return out;
  }
  const topLabels = [...new Set(units.map((u) => u.path[0]))];
  units.forEach((u, i) => {
    const s = sections[i];
    let found = s === undefined ? undefined : extractFinalAnswer(s);
    // Worked through first, answered in a closing summary ("Final answers: a) …, b) …").
    if (!found && u.path.length === 1) found = laterSectionAnswer(text, u.path[0], topLabels);
    out.set(u.id, found);
  });
  return out;
}

/** The answer in the last section labelled `label` that states one, each cut at the next sibling label. */
function laterSectionAnswer(text: string, label: string, labels: string[]): ExtractedAnswer | undefined {
  const others = labels.filter((l) => l !== label).map(labelPattern);
  let last: ExtractedAnswer | undefined;
  for (const m of text.matchAll(labelPattern(label))) {
    const start = m.index + m[0].length;
    let end = text.length;
    for (const re of others) {
      re.lastIndex = start;
      const n = re.exec(text);
      if (n && n.index < end) end = n.index;
    }
    last = extractFinalAnswer(text.slice(start, end)) ?? last;
  }
  return last;
}

/** Sections for label paths; nested paths (["b", "ii"]) are cut inside their parent's section. */
function sectionsFor(text: string, paths: string[][]): (string | undefined)[] {
  const top = [...new Set(paths.map((p) => p[0]))];
  const topSections = splitByLabels(text, top);
  const byTop = new Map(top.map((l, i) => [l, topSections[i]]));
  const out: (string | undefined)[] = [];
  const groups = new Map<string, number[]>();
  paths.forEach((p, i) => {
    if (p.length <= 1) out[i] = byTop.get(p[0]);
    else groups.set(p[0], [...(groups.get(p[0]) ?? []), i]);
  });
  for (const [head, idx] of groups) {
    const parent = byTop.get(head);
    const inner =
      parent === undefined
        ? []
        : sectionsFor(
            parent,
            idx.map((i) => paths[i].slice(1)),
          );
    idx.forEach((i, k) => {
      out[i] = inner[k];
    });
  }
  return out;
}
