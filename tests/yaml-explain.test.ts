import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHeldoutError } from '../src/errors.js';
import { parseSource } from '../src/exam/source.js';
import { runCli, tempDir } from './helpers/cli.js';

/** The one-line error a teacher sees for a broken exam file. */
function errorFor(text: string): string {
  try {
    parseSource(text, '/exams/x/exam.yaml');
  } catch (err) {
    if (isHeldoutError(err)) return err.format();
    throw err;
  }
  throw new Error('parsed without error');
}

const EXAM = (questionLines: string) => `id: x
title: T
parts:
  - id: I
    title: Part I
    points: 2
    questions:
${questionLines}`;

describe('YAML errors explained for a teacher', () => {
  it.each([
    [
      'a line indented one space too far',
      EXAM('      - id: "1"\n        number: 1\n         text: Solve it.\n'),
      /invalid YAML: Nested mappings are not allowed in compact mappings — line 10 is indented more than line 9, which already has its value: indent line 10 like the line above it \(8 spaces\)/,
    ],
    [
      'a line indented one space too little',
      EXAM('      - id: "1"\n        number: 1\n       text: Solve it.\n'),
      /exam\.yaml:10:\d+: invalid YAML: .* — line 10 starts after 7 spaces but line 9 above it after 8 spaces: indent this line like the one above/,
    ],
    [
      'a colon inside a value',
      EXAM('      - id: "1"\n        text: Solve: 2x = 4\n'),
      /the value on line 9 contains ": ", which YAML reads as a new field: put the whole value in quotes/,
    ],
    ['a tab', EXAM('      - id: "1"\n\ttext: x\n'), /line 9 is indented with a tab; YAML needs spaces/],
    ['a field twice', 'id: x\ntitle: A\ntitle: B\n', /the field "title" appears twice in the same block \(line 3\)/],
    ['a quote left open', 'id: x\ntitle: "A tiny exam\nlanguage: en\n', /the quote opened on line 2 is never closed/],
    [
      'a brace left open',
      EXAM('      - id: "1"\n        answer: { kind: number, value: 4\n        points: 2\n'),
      /the "\{" on line 9 is not closed: close it with "\}" on the same line/,
    ],
    [
      'a set written as a value',
      EXAM('      - id: "1"\n        text: {2, 4} is a set\n'),
      /a value that starts with "\{" or "\[" is read as a list or mapping: if it is text, put it in quotes, e.g. text: '\{2, 4\} is a set'/,
    ],
  ])('%s', (_name, text, expected) => {
    const message = errorFor(text);
    // The parser's own words stay, with file:line:col.
    expect(message).toMatch(/^\/exams\/x\/exam\.yaml:\d+:\d+: invalid YAML: /);
    expect(message).toMatch(expected);
  });

  it('from the CLI: one line, with the explanation after the parser', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'exam.yaml'), EXAM('      - id: "1"\n        text: Solve: 2x = 4\n'));
    const r = runCli(['exam', 'lint', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/exam\.yaml:9:\d+: invalid YAML: Nested mappings .* — the value on line 9 contains ": "/);
  });
});
