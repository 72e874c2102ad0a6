import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lintRubric } from '../src/exam/lint-rubric.js';
import { loadExam, loadRubricDoc } from '../src/exam/load.js';
import { parseMarkingGuide } from '../src/exam/marking-guide.js';
import { writeRubricSkeleton } from '../src/exam/rubric-skeleton.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const FIXTURE = join(ROOT, 'tests/fixtures/rubric-test');
const FINALS = loadExam(join(ROOT, 'exams/heldout-finals-2026-11'));

/** Written in the style of an official guide: headings, bullets, "n points: …" and "… (n points)". */
const GUIDE = `# Marking guide

## Question 1
- 1 point: adds 7 to both sides, 3x = 18
- x = 6 is the correct answer (1 point)

**Question 2**
a) 1 point: 8 marbles (correct answer)
b) 1 point: 8 equally likely outcomes, 3 favourable; 2 points: the probability 3/8 is the correct result

Question 7: 3 points: something for a question this exam does not have
`;

describe('rubric new --from a marking guide', () => {
  it("proposes items with the guide's points and words; the final-answer item is auto", () => {
    const dir = join(tempDir(), 'exam');
    cpSync(join(FIXTURE, 'exam.yaml'), join(dir, 'exam.yaml'));
    writeFileSync(join(dir, 'guide.md'), GUIDE);
    const loaded = loadExam(dir);
    const res = writeRubricSkeleton(loaded, { out: join(dir, 'rubric.yaml'), from: join(dir, 'guide.md') });
    expect(res.fromGuide).toMatchObject({ filled: ['1', '2a', '2b'], todo: [], mismatched: [] });
    expect(res.fromGuide!.unplaced).toEqual([
      expect.objectContaining({ line: 11, reason: 'the exam has no question 7' }),
    ]);
    const rubric = parse(readFileSync(join(dir, 'rubric.yaml'), 'utf8'));
    expect(rubric.marking['1'].items).toEqual([
      { id: '1.1', points: 1, criterion: 'adds 7 to both sides, 3x = 18' },
      { id: '1.2', points: 1, criterion: 'x = 6 is the correct answer', auto: true },
    ]);
    expect(rubric.marking['2b'].items).toEqual([
      { id: '2b.1', points: 1, criterion: '8 equally likely outcomes, 3 favourable' },
      { id: '2b.2', points: 2, criterion: 'the probability 3/8 is the correct result', auto: true },
    ]);
    // Every unit came from the guide; what is left for the author is the general marking principles.
    const lint = lintRubric(loaded, loadRubricDoc(loaded));
    expect(lint.findings.map((f) => f.message)).toEqual([
      'the general notes still say TODO: write the marking principles',
    ]);
  });

  it('a unit the guide leaves out stays TODO (a lint error), and a points sum that differs is reported', () => {
    const dir = join(tempDir(), 'exam');
    cpSync(join(FIXTURE, 'exam.yaml'), join(dir, 'exam.yaml'));
    writeFileSync(join(dir, 'guide.txt'), '1. 2 points: correct equation; 1 point: solution\n');
    const r = runCli(['rubric', 'new', dir, '--from', join(dir, 'guide.txt')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 unit(s) from the guide, 2 left as TODO (2a, 2b)');
    expect(r.stdout).toContain('1: the guide gives 3 point(s), the exam 2');
    const lint = runCli(['rubric', 'lint', dir]);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/rubric items for "1" add up to 3, but the exam gives it 2 points/);
    expect(lint.stdout).toMatch(/TODO criterion/);
  });

  it('reads sub-part headings in the usual spellings and says which lines it could not place', () => {
    const guide = parseMarkingGuide(
      [
        '13 a) 1 point: sets f(x) = 0',
        '13b 1 point: completes the square',
        '## Question 13 (c)',
        '- 1 pt: rearranges',
        'Question 13',
        '2 points: whole question, no sub-part named',
        '2 points: before any heading is impossible here',
      ].join('\n'),
      FINALS,
    );
    expect([...guide.items.keys()]).toEqual(['13a', '13b', '13c']);
    expect(guide.items.get('13c')).toEqual([{ points: 1, criterion: 'rearranges', line: 4 }]);
    expect(guide.unplaced.map((u) => [u.line, u.reason])).toEqual([
      [6, 'question 13 has sub-parts: say which one (e.g. "13 a)")'],
      [7, 'question 13 has sub-parts: say which one (e.g. "13 a)")'],
    ]);
  });
});
