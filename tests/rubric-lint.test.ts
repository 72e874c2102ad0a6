import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintRubric } from '../src/exam/lint-rubric.js';
import { loadExam, loadRubricDoc } from '../src/exam/load.js';
import { writeRubricSkeleton } from '../src/exam/rubric-skeleton.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const FIXTURE = join(ROOT, 'tests/fixtures/rubric-test');

/** The rubric-test exam with a rubric written by the test. */
function withRubric(rubric: string) {
  const dir = join(tempDir(), 'exam');
  cpSync(join(FIXTURE, 'exam.yaml'), join(dir, 'exam.yaml'));
  writeFileSync(join(dir, 'rubric.yaml'), rubric);
  const loaded = loadExam(dir);
  return { dir, result: lintRubric(loaded, loadRubricDoc(loaded)) };
}

const GOOD_2 = `
  2a:
    items:
      - { id: 2a.1, points: 1, criterion: "8 marbles.", auto: true }
  2b:
    items:
      - { id: 2b.1, points: 1, criterion: "3 of 8." }
      - { id: 2b.2, points: 2, criterion: "3/8.", auto: true }
    caps:
      - { id: 2b.cap, criterion: "No reasoning: at most 2.", max: 2 }
      - { id: 2b.auto-cap, criterion: "Without 2b.1: at most 2.", max: 2, unless: [2b.1] }
`;

describe('rubric lint: examples', () => {
  it('the shipped fixture with examples is clean', () => {
    const { result } = withRubric(readFileSync(join(FIXTURE, 'rubric.yaml'), 'utf8'));
    expect(result.findings).toEqual([]);
  });

  it('checks examples against item ids, item points, requires and caps, at file:line', () => {
    const { result } = withRubric(`exam: rubric-test
marking:
  "1":
    items:
      - { id: "1.1", points: 1, criterion: "3x = 18." }
      - { id: "1.2", points: 1, criterion: "x = 6.", auto: true, requires: "1.1" }
    examples:
      - name: too generous
        answer: "x = 6"
        points: { "1.1": 2, "1.2": 1 }
      - name: typo
        answer: "x = 6"
        points: { "1.1": 0, "1.3": 1 }
      - answer: "x = 6"
        points: { "1.1": 0, "1.2": 1 }
        caps: [1.cap]
${GOOD_2}    examples:
      - answer: "3/8"
        points: { 2b.1: 0, 2b.2: 2 }
        caps: [2b.auto-cap]
`);
    const messages = result.findings.map(
      (f) => `${f.severity} ${f.rule} ${f.where.replace(/^.*rubric\.yaml/, 'rubric.yaml')} ${f.message}`,
    );
    expect(messages).toEqual([
      'warning rubric-auto rubric.yaml:6:76 auto item "1.2" requires "1.1", which is not auto, so the automatic check can never award it',
      'error rubric-example rubric.yaml:10:26 example 1 ("too generous") of "1" expects 2 for "1.1", which is worth only 1',
      'error rubric-example rubric.yaml:10:17 example 1 ("too generous") of "1" expects 3 points in all, but "1" is worth 2',
      'error rubric-example rubric.yaml:13:36 example 2 ("typo") of "1" gives points to "1.3", which is not an item of "1"',
      'error rubric-example rubric.yaml:13:17 example 2 ("typo") of "1" gives no expected points for "1.2"',
      'error rubric-example rubric.yaml:15:36 example 3 of "1" expects points for "1.2" but none for "1.1", which it requires: the rules would give "1.2" 0',
      'error rubric-example rubric.yaml:16:16 example 3 of "1" names cap "1.cap", which is not a cap of "1"',
      'warning rubric-example rubric.yaml:31:16 example 1 of "2b" names cap "2b.auto-cap", which is applied automatically (it has `unless`); no grader decides it',
    ]);
  });
});

describe('rubric lint: unfinished work', () => {
  it("`rubric new`'s skeleton is not clean: every TODO is an error", () => {
    const dir = join(tempDir(), 'exam');
    cpSync(join(FIXTURE, 'exam.yaml'), join(dir, 'exam.yaml'));
    const loaded = loadExam(dir);
    writeRubricSkeleton(loaded, { out: join(dir, 'rubric.yaml') });
    const result = lintRubric(loaded, loadRubricDoc(loaded));
    expect(result.errors).toBe(4);
    expect(result.findings.map((f) => f.rule)).toEqual(['rubric-todo', 'rubric-todo', 'rubric-todo', 'rubric-todo']);
    expect(result.findings[1].message).toBe(
      'item "1.1" still has `rubric new`\'s TODO criterion: say what earns its 2 point(s)',
    );
    const cli = runCli(['rubric', 'lint', dir]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).not.toContain('clean');
    expect(cli.stdout).toContain('4 error(s)');
  });

  it('a unit whose items are all auto but which has no answer is an error', () => {
    const dir = tempDir();
    const exam = readFileSync(join(FIXTURE, 'exam.yaml'), 'utf8').replace(
      '        answer: { kind: number, value: 6 }\n',
      '',
    );
    writeFileSync(join(dir, 'exam.yaml'), exam);
    writeFileSync(
      join(dir, 'rubric.yaml'),
      `exam: rubric-test\nmarking:\n  "1":\n    items:\n      - { id: "1.1", points: 2, criterion: "x = 6.", auto: true }\n${GOOD_2}`,
    );
    const loaded = loadExam(dir);
    const { findings } = lintRubric(loaded, loadRubricDoc(loaded));
    expect(findings).toEqual([
      expect.objectContaining({
        severity: 'error',
        rule: 'rubric-auto',
        message: expect.stringContaining('every item of "1" is `auto`, but "1" has no `answer`'),
      }),
    ]);
  });

  it('findings follow the exam order, not the file order or JavaScript key order ("1" before "2a")', () => {
    const { result } = withRubric(`exam: rubric-test
marking:
  2b:
    items:
      - { id: 2b.1, points: 1, criterion: "TODO" }
  "1":
    items:
      - { id: "1.1", points: 1, criterion: "TODO" }
  2a:
    items:
      - { id: 2a.1, points: 1, criterion: "TODO" }
`);
    // The file lists 2b, 1, 2a; the findings come in the exam's order.
    const units = result.findings.map((f) => /"(1|2a|2b)[".]/.exec(f.message)?.[1]);
    expect(units).toEqual(['1', '1', '1', '2a', '2a', '2b', '2b', '2b']);
  });
});
