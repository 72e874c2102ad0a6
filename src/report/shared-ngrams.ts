/** A run of text, marked when it belongs to an n-gram that both texts contain. */
export interface Segment {
  text: string;
  shared: boolean;
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Highlights what two texts share: every word n-gram (case-folded, punctuation ignored) present in both marks its
 * words in each text. The contamination check decides the verdict; this only shows the reader where the overlap is.
 */
export function sharedNgramSegments(a: string, b: string, n = 6): { a: Segment[]; b: Segment[]; sharedNgrams: number } {
  const ta = tokens(a);
  const tb = tokens(b);
  const size = Math.max(1, Math.min(n, ta.length, tb.length));
  const grams = (t: Token[]) => {
    const m = new Map<string, number[]>();
    for (let i = 0; i + size <= t.length; i++) {
      const key = t
        .slice(i, i + size)
        .map((x) => x.norm)
        .join(' ');
      m.set(key, [...(m.get(key) ?? []), i]);
    }
    return m;
  };
  const ga = grams(ta);
  const gb = grams(tb);
  const markA = new Uint8Array(ta.length);
  const markB = new Uint8Array(tb.length);
  let sharedNgrams = 0;
  // Short texts (fewer words than n) compare as one n-gram: only an identical text is shared.
  if (ta.length >= 1 && tb.length >= 1) {
    for (const [key, starts] of ga) {
      const other = gb.get(key);
      if (!other) continue;
      sharedNgrams++;
      for (const s of starts) markA.fill(1, s, s + size);
      for (const s of other) markB.fill(1, s, s + size);
    }
  }
  return { a: segments(a, ta, markA), b: segments(b, tb, markB), sharedNgrams };
}

interface Token {
  start: number;
  end: number;
  norm: string;
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD))
    out.push({ start: m.index, end: m.index + m[0].length, norm: m[0].toLowerCase() });
  return out;
}

/** Consecutive marked words form one segment, with the punctuation and spaces between them. */
function segments(text: string, toks: Token[], mark: Uint8Array): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  let i = 0;
  while (i < toks.length) {
    if (!mark[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < toks.length && mark[j + 1]) j++;
    if (toks[i].start > pos) out.push({ text: text.slice(pos, toks[i].start), shared: false });
    out.push({ text: text.slice(toks[i].start, toks[j].end), shared: true });
    pos = toks[j].end;
    i = j + 1;
  }
  if (pos < text.length) out.push({ text: text.slice(pos), shared: false });
  return out;
}
