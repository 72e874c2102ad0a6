/**
 * Reading the JSON object a model was asked to end its reply with. Model output is untrusted and often wraps
 * the object in prose, code fences or a second draft, so a greedy `{…}` regex misreads it (prose braces, two
 * objects). The object read is the last top-level one, and it must end at the reply's last closing brace;
 * braces inside JSON strings do not count. Shared by the judge (grading/) and `--confirm` (contamination/).
 */

/** The last top-level JSON object in a reply: it must end at the reply's last closing brace. */
export function finalJsonObject(text: string): string | undefined {
  const end = text.lastIndexOf('}');
  if (end < 0) return undefined;
  for (let start = text.indexOf('{'); start >= 0 && start < end; start = text.indexOf('{', start + 1)) {
    if (matchJsonEnd(text, start) === end) return text.slice(start, end + 1);
  }
  return undefined;
}

function matchJsonEnd(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export type FinalJson = { ok: true; value: unknown } | { ok: false; error: string };

/** The reply's final JSON object, parsed; or why there is none, in words fit for a record's error field. */
export function parseFinalJson(text: string): FinalJson {
  const json = finalJsonObject(text);
  if (!json) return { ok: false, error: 'no JSON object at the end of the reply' };
  try {
    return { ok: true, value: JSON.parse(json) };
  } catch (err) {
    return { ok: false, error: `the final JSON object does not parse: ${(err as Error).message}` };
  }
}
