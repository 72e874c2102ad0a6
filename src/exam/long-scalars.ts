/**
 * The yaml library reads a double-quoted scalar one character at a time into a string: a 5 MB question on one
 * double-quoted line cost 1–2.5 s of a 24 s lint. A single-quoted scalar on one line is read with one slice. This
 * rewrites a long one-line `key: "…"` whose escapes are all JSON escapes (`\\`, `\"`, `\/`, `\uXXXX`, …) into the
 * single-quoted scalar with the same value. Only that line's length changes (never the number of lines), so every
 * line number, and every column before the value, stays where it was. Anything else is left to the library.
 */
const LONG_LINE = 10_000;
/** `key: "`, `- key: "` or `"key": "` at the start of a line (block mappings; JSON lines end in a comma and are left). */
const PREFIX = /^(\s*(?:-\s+)?(?:[A-Za-z_][\w.-]*|"[^"\\\n]*"|'[^'\n]*')\s*:[ \t]+)"/;
const SUFFIX = /^[ \t]*(?:#.*)?$/;
// Characters a single-quoted one-line scalar cannot hold as they are.
const NOT_SINGLE_QUOTABLE = /[\x00-\x08\x0a-\x1f\x7f\u0085\u2028\u2029\ufeff]/;

export function singleQuoteLongScalars(text: string): string {
  if (text.length < LONG_LINE) return text;
  let changed = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.length < LONG_LINE) continue;
    const cr = raw.endsWith('\r');
    const line = cr ? raw.slice(0, -1) : raw;
    const head = PREFIX.exec(line.slice(0, 500));
    const end = line.lastIndexOf('"');
    if (!head || end < head[0].length || !SUFFIX.test(line.slice(end + 1))) continue;
    // JSON's escapes are a subset of YAML's with the same meanings; anything else (\e, \x41, a raw quote or tab)
    // fails JSON.parse and is left to the library.
    let value: string;
    try {
      value = JSON.parse(line.slice(head[0].length - 1, end + 1)) as string;
    } catch {
      continue;
    }
    if (typeof value !== 'string' || NOT_SINGLE_QUOTABLE.test(value)) continue;
    lines[i] = `${head[1]}'${value.replace(/'/g, "''")}'${line.slice(end + 1)}${cr ? '\r' : ''}`;
    changed = true;
  }
  return changed ? lines.join('\n') : text;
}
