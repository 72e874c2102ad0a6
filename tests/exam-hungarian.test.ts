import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExam, loadRubric } from '../src/exam/load.js';
import { examUnits } from '../src/exam/model.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const EXAM = join(ROOT, 'exams/hungarian-2023');

describe('exams/hungarian-2023', () => {
  it('lints clean: exam and rubric', () => {
    const exam = runCli(['exam', 'lint', EXAM]);
    expect(exam.code, exam.stdout + exam.stderr).toBe(0);
    expect(exam.stdout).toMatch(/clean/);
    const rubric = runCli(['rubric', 'lint', EXAM]);
    expect(rubric.code, rubric.stdout + rubric.stderr).toBe(0);
    expect(rubric.stdout).toMatch(/clean/);
  });

  it("has the paper's structure: 33 units in transcription order, 30 + 36 + 34 points, every split marked inferred", () => {
    const loaded = loadExam(EXAM);
    const { exam } = loaded;
    const units = examUnits(exam);
    expect(units.map((u) => u.id)).toEqual([
      ...['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11a', '11b', '12a', '12b'],
      ...['13a', '13b', '13c', '14a', '14b', '14c', '14d', '15a', '15b', '15c'],
      ...['16a1', '16a2', '16b', '17a', '17b', '17c', '18a', '18b', '18c'],
    ]);
    expect(exam.parts.map((p) => [p.id, p.points, p.questions.map((q) => q.id)])).toEqual([
      ['I', 30, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']],
      ['IIA', 36, ['13', '14', '15']],
      ['IIB', 34, ['16', '17', '18']],
    ]);
    expect(exam.parts[2].choose).toEqual({ count: 2, policy: 'best' });
    expect(exam.parts[2].questions.every((q) => q.points === 17)).toBe(true);
    const rubric = loadRubric(loaded).rubric;
    for (const u of units) expect(rubric.marking[u.id]?.inferred, u.id).toBe(true);
  });

  it('a sheet with one row per transcription row replays onto the 33 units, and the key grades', () => {
    const { exam } = loadExam(EXAM);
    const dir = tempDir();
    // Rows laid out like the transcription: the stem (if the row has it) and the sub-part's text, no ids.
    const noStem = new Set(['13', '16', '18', '14c', '14d', '15b', '15c']);
    const rows: string[] = [];
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const visit = (node: (typeof exam.parts)[0]['questions'][0], chain: string[], qid: string) => {
      if (node.subparts) {
        for (const s of node.subparts) visit(s as typeof node, [...chain, node.text], qid);
        return;
      }
      let texts = [...chain, node.text].map((t) => t.trim());
      if (noStem.has(qid) || noStem.has(node.id)) texts = texts.slice(1);
      const a = node.answer;
      const value = !a ? 'see working' : Array.isArray(a.value) ? `\\{${a.value.join('; ')}\\}` : String(a.value);
      rows.push([q(texts.join('\n\n')), q(`Working.\n\n\\boxed{${value}}`), String(node.points)].join(','));
    };
    for (const part of exam.parts) for (const question of part.questions) visit(question, [], question.id);
    const sheet = join(dir, 'sheet.csv');
    writeFileSync(sheet, `prompt,answer,Points\n${rows.join('\n')}\n`);
    const run = join(dir, 'run');
    const r = runCli(['run', EXAM, '--model', `Key=replay:${sheet}`, '--split-subparts', '--out', run]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/33 answered, 0 failed, 0 missing/);
    const g = runCli(['grade', run, '--auto']);
    expect(g.code, g.stderr).toBe(0);
    const keyed = examUnits(exam).filter((u) => u.answer).length;
    expect(g.stdout + g.stderr).toMatch(new RegExp(`checked ${keyed} unit answers: ${keyed} correct`));
  });
});
