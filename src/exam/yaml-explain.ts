/**
 * YAML parser errors, explained for a teacher who writes an exam in a text editor. The parser's own words stay in
 * the message; this adds what to do, looking at the lines around the error (most YAML errors are indentation, a
 * colon inside a value, or a quote or brace left open).
 */

const indentOf = (line: string) => /^ */.exec(line)![0].length;

/** The nearest non-blank, non-comment line before `index` (0-based), or -1. */
function lineAbove(lines: string[], index: number): number {
  for (let i = index - 1; i >= 0; i--) if (lines[i].trim() && !lines[i].trim().startsWith('#')) return i;
  return -1;
}

function lineBelow(lines: string[], index: number): number {
  for (let i = index + 1; i < lines.length; i++) if (lines[i].trim() && !lines[i].trim().startsWith('#')) return i;
  return -1;
}

const spaces = (n: number) => `${n} space${n === 1 ? '' : 's'}`;

/** An explanation for a parser error at `line` (1-based), or undefined when we have nothing better to say. */
export function explainYamlError(text: string, code: string, line: number): string | undefined {
  const lines = text.split(/\r?\n/);
  const i = Math.min(Math.max(line - 1, 0), lines.length - 1);
  const here = lines[i] ?? '';

  if (code === 'TAB_AS_INDENT')
    return `line ${line} is indented with a tab; YAML needs spaces: replace the tab with spaces, like the line above`;

  if (code === 'DUPLICATE_KEY') {
    const key = /^\s*-?\s*([^:#]+):/.exec(here)?.[1]?.trim();
    return `${key ? `the field "${key}"` : 'a field'} appears twice in the same block (line ${line}): delete one, or rename it`;
  }

  if (code === 'BLOCK_AS_IMPLICIT_KEY' || code === 'MULTILINE_IMPLICIT_KEY') {
    const below = lineBelow(lines, i);
    if (
      below >= 0 &&
      indentOf(lines[below]) > indentOf(here) &&
      /:\s+\S/.test(here) &&
      !/:\s*[|>][-+]?\s*$/.test(here)
    ) {
      return `line ${below + 1} is indented more than line ${line}, which already has its value: indent line ${below + 1} like the line above it (${spaces(indentOf(here))})`;
    }
    const value = /^\s*-?\s*[^:]+:\s+(.*)$/.exec(here)?.[1];
    if (value && /:\s/.test(value)) {
      return `the value on line ${line} contains ": ", which YAML reads as a new field: put the whole value in quotes ('…'), or write it as a block after "|"`;
    }
  }

  if (code === 'BAD_INDENT' || code === 'MISSING_CHAR') {
    const above = lineAbove(lines, i);
    if (above >= 0 && indentOf(here) !== indentOf(lines[above]) && here.trim()) {
      const a = indentOf(lines[above]);
      const h = indentOf(here);
      return `line ${line} starts after ${spaces(h)} but line ${above + 1} above it after ${spaces(a)}: indent this line like the one above (or like the field it belongs to)`;
    }
  }

  if (code === 'BAD_SCALAR_START') {
    return `a value cannot start with ${JSON.stringify(/:\s+(\S)/.exec(here)?.[1] ?? here.trim()[0])} in YAML: put it in quotes ('…')`;
  }

  if (code === 'UNEXPECTED_TOKEN' && /:\s+[[{]/.test(here)) {
    return `a value that starts with "{" or "[" is read as a list or mapping: if it is text, put it in quotes, e.g. text: '${/:\s+(.*)$/.exec(here)?.[1]?.replace(/'/g, "''") ?? '…'}'`;
  }
  return undefined;
}

/** For errors whose wording matters more than their code (quotes and braces left open). */
export function explainYamlMessage(text: string, message: string, line: number): string | undefined {
  const lines = text.split(/\r?\n/);
  if (/Missing closing "?quote|Missing closing 'quote/i.test(message)) {
    for (let k = Math.min(line - 1, lines.length - 1); k >= 0; k--) {
      const quotes = (lines[k].match(/(?<!\\)"/g) ?? []).length;
      if (quotes % 2 === 1)
        return `the quote opened on line ${k + 1} is never closed: add the closing quote on that line`;
    }
    return 'a quote is opened and never closed: add the closing quote';
  }
  if (/Flow (map|sequence).*end with/i.test(message)) {
    for (let k = Math.min(line - 1, lines.length - 1); k >= 0; k--) {
      const open = (lines[k].match(/[{[]/g) ?? []).length;
      const close = (lines[k].match(/[}\]]/g) ?? []).length;
      if (open > close)
        return `the "${lines[k].includes('{') ? '{' : '['}" on line ${k + 1} is not closed: close it with "${lines[k].includes('{') ? '}' : ']'}" on the same line`;
    }
  }
  return undefined;
}
