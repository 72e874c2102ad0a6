import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreRun } from '../src/grading/score-run.js';
import { loadReportInputs } from '../src/pipeline/report-inputs.js';
import { buildReportModel } from '../src/report/model.js';
import { gradesFile } from '../src/store/grades.js';
import type { GradeRecord } from '../src/store/records.js';
import { CHOOSE_EXAM, writeRun } from './fixtures/grading/make-run.js';
import { tempDir } from './helpers/cli.js';

describe('one current grade everywhere', () => {
  it('the scoreboard and the answer view agree when a later grade carries an earlier clock', async () => {
    const dir = writeRun(join(tempDir(), 'run'), CHOOSE_EXAM, [
      { model: 'm', questionId: '1', unitIds: ['1'], text: '3x = 18, so $x = \\boxed{6}$' },
    ]);
    const grade = (total: number, at: string): GradeRecord => ({
      responseId: 'm|1|0',
      unitId: '1',
      grader: { kind: 'human', id: 'ann' },
      status: 'graded',
      items: {},
      total,
      maxPoints: 2,
      at,
    });
    // Ann regraded on a machine whose clock was behind: the second line is the current grade.
    appendFileSync(gradesFile(dir), `${JSON.stringify(grade(2, '2026-01-02T00:00:00Z'))}\n`);
    appendFileSync(gradesFile(dir), `${JSON.stringify(grade(0, '2026-01-01T00:00:00Z'))}\n`);
    const scored = scoreRun(dir).models[0].questions.find((q) => q.id === '1')!.points;
    const view = buildReportModel(await loadReportInputs(dir));
    const answer = view.answers.questions.flatMap((q) => q.answers).find((a) => a.units.some((u) => u.unitId === '1'))!;
    const shown = answer.units.find((u) => u.unitId === '1')!.graders.find((g) => g.id === 'ann')!.total;
    expect(scored).toBe(0);
    expect(shown).toBe(scored);
  });
});
