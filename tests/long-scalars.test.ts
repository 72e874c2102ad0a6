import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { singleQuoteLongScalars } from '../src/exam/long-scalars.js';
import { parseSource } from '../src/exam/source.js';

const long = (unit: string) => unit.repeat(Math.ceil(20_000 / unit.length));

describe('long one-line double-quoted scalars (fast path for lint)', () => {
  it.each([
    ['LaTeX and apostrophes', long('Let\'s find \\\\frac{x}{2} and \\"this\\" on \\/ paths, é ü ő, \\u00e9. ') + 'end'],
    ['plain words', long('A train travels at 60 km/h. ') + 'end'],
    ['blanks at both ends and a tab escape', `  \\t${long('word ')}`],
  ])('%s: the same value as the yaml library reads, and the same line numbers', (_name, content) => {
    const yaml = `id: x\nparts:\n  - id: I\n    questions:\n      - id: "1"\n        text: "${content}" # a comment\n        points: 2\n`;
    expect(singleQuoteLongScalars(yaml)).not.toBe(yaml);
    expect(singleQuoteLongScalars(yaml).split('\n')).toHaveLength(yaml.split('\n').length);
    const doc = parseSource(yaml, 'exam.yaml');
    expect(doc.value).toEqual(parse(yaml));
    expect(doc.locate(['parts', 0, 'questions', 0, 'points'])).toBe('exam.yaml:7:17');
    expect(doc.locate(['parts', 0, 'questions', 0, 'text'])).toBe('exam.yaml:6:15');
  });

  it.each([
    ['a YAML-only escape (\\e, \\x41)', long('bell \\e and \\x41 ')],
    ['a newline escape', long('two\\nlines ')],
  ])('leaves %s to the library, with the same value', (_name, content) => {
    const yaml = `text: "${content}"\n`;
    expect(singleQuoteLongScalars(yaml)).toBe(yaml);
    expect(parseSource(yaml, 'e.yaml').value).toEqual(parse(yaml));
  });
});
