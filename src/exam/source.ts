import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { singleQuoteLongScalars } from './long-scalars.js';
import { explainYamlError, explainYamlMessage } from './yaml-explain.js';

/** A parsed YAML or JSON document that can say where any path in it came from. */
export interface SourceDoc {
  file: string;
  value: unknown;
  /** `file:line:col` for a path into the document (the nearest existing ancestor if the path is missing). */
  locate(path: ReadonlyArray<PropertyKey>): string;
}

/** Parses YAML or JSON (JSON is YAML 1.2), keeping positions for error messages. */
export function parseSource(text: string, file: string): SourceDoc {
  const shown = displayPath(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(singleQuoteLongScalars(text), { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${shown}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const words = e.message.split('\n')[0];
    const { line } = lineCounter.linePos(e.pos[0]);
    // The parser's words, then what to do about them in plain language.
    const explained = file.endsWith('.json')
      ? undefined
      : (explainYamlMessage(text, words, line) ?? explainYamlError(text, e.code, line));
    throw new HeldoutError(`invalid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${words}`, {
      where: at(e.pos[0]),
      ...(explained ? { hint: explained } : {}),
    });
  }
  const value = doc.toJS({ maxAliasCount: 1000 });
  return {
    file: shown,
    value,
    locate(path) {
      let node: unknown = doc.contents;
      let best = node as Node | null;
      for (const key of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
          if (!pair) break;
          // Point at the key for a bad value that has no node of its own (null).
          node = pair.value ?? pair.key;
          if (!pair.value && pair.key) best = pair.key as Node;
        } else if (isSeq(node) && typeof key === 'number') {
          node = node.items[key];
        } else break;
        if (node && typeof node === 'object' && 'range' in node) best = node as Node;
        else break;
      }
      return best?.range ? at(best.range[0]) : `${shown}:1:1`;
    },
  };
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(top level)';
}

/** A short rendering of the value the user wrote, for "got …". */
function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    // Zod reports the input only when asked (`reportInput`); without it a wrong type looked like a missing field.
    if (issue.input === undefined) return `is required (${issue.expected})`;
    if (issue.input === null && issue.path.length === 0) return 'is missing: the file is empty';
    const names: Record<string, string> = { object: 'a mapping', record: 'a mapping', array: 'a list' };
    const expected = names[issue.expected] ?? `a ${issue.expected}`;
    return `must be ${expected}, not ${shown(issue.input)}`;
  }
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return 'input' in issue && issue.input !== undefined ? `${issue.message} (got ${shown(issue.input)})` : issue.message;
}

/** Validates a parsed document; the first problem becomes a HeldoutError that names file:line:col and the field. */
export function validate<S extends z.ZodType>(schema: S, doc: SourceDoc, what: string): z.infer<S> {
  const result = schema.safeParse(doc.value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new HeldoutError(`${what} field ${formatPath(issue.path)} ${describeIssue(issue)}`, {
    where: doc.locate(issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path),
    hint:
      result.error.issues.length > 1 ? `${result.error.issues.length - 1} more problem(s) after this one` : undefined,
  });
}

/** Every problem, not just the first: lint wants them all. */
export function validateAll<S extends z.ZodType>(
  schema: S,
  doc: SourceDoc,
  what: string,
): { data?: z.infer<S>; problems: { where: string; message: string; field: string }[] } {
  const result = schema.safeParse(doc.value, { reportInput: true });
  if (result.success) return { data: result.data, problems: [] };
  return {
    problems: result.error.issues.map((issue) => ({
      where: doc.locate(issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path),
      field: formatPath(issue.path),
      message: `${what} field ${formatPath(issue.path)} ${describeIssue(issue)}`,
    })),
  };
}
