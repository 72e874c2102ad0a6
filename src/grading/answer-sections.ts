/**
 * Cutting a response into the sections that answer each sub-part ("a)", "(b)", "c.", "Part d"), so that a
 * question asked with its sub-parts together is graded per unit.
 */

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where the section for `label` starts: "a)", "(a)", "a.", "a:" or "Part a", at a line start or after space. */
export function labelPattern(label: string): RegExp {
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

/** Sections for label paths; nested paths (["b", "ii"]) are cut inside their parent's section. */
export function sectionsFor(text: string, paths: string[][]): (string | undefined)[] {
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

/** Every later section labelled `label` (a closing summary "Final answers: a) …, b) …"), cut at sibling labels. */
export function laterSections(
  text: string,
  label: string,
  labels: string[],
  opts: { lineStart?: boolean } = {},
): string[] {
  const others = labels.filter((l) => l !== label).map(labelPattern);
  const out: string[] = [];
  for (const m of text.matchAll(labelPattern(label))) {
    // A summary entry starts its line ("- **b)** 6"); "as in a) we get" mid-sentence is a reference, not an answer.
    if (opts.lineStart) {
      const line = text.slice(text.lastIndexOf('\n', m.index - 1) + 1, m.index);
      // "Válasz: a) 6, b) 216" and "Final answers: a) …; b) …" are summary entries too.
      const cued = /^[ \t>*_#-]*(?:final\s+)?(?:answers?|results?|válasz(?:ok)?|végeredmény)\s*[:：]/i.test(line);
      if (!cued && !/^[ \t>*_#-]*$/.test(line)) continue;
    }
    const start = m.index + m[0].length;
    let end = text.length;
    for (const re of others) {
      re.lastIndex = start;
      const n = re.exec(text);
      if (n && n.index < end) end = n.index;
    }
    // "a) 6, b) 36": an entry cut at the next label keeps its separator, which is not part of the answer.
    out.push(text.slice(start, end).replace(/[\s,;]+$/, ''));
  }
  return out;
}
