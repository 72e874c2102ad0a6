// Number and expression bombs in model answers (issue 18): each must be graded in < 100 ms. Before the budget,
// `\boxed{(10^{9})!}` kept `grade --auto` busy for over 20 minutes and `10000000!` took 7.7 s.
// Two figures per bomb, in CPU ms (the slower of the first call and the best of 5 more): the comparison alone (answersEqual), and the whole automatic
// grading of a response that states it in \boxed{} (extraction + comparison + rubric), as `grade --auto` does.
import { join } from 'node:path';
import { loadExam, loadRubric } from '../dist/exam/load.js';
import { examUnits } from '../dist/exam/model.js';
import { gradeAuto } from '../dist/grading/auto.js';
import { answersEqual } from '../dist/grading/equivalence.js';
import { BOMBS } from './bombs.js';

const exam = loadExam(join(import.meta.dirname, '..', 'exams/tiny'));
const rubric = loadRubric(exam);
const units = new Map(examUnits(exam.exam).map((u) => [u.id, u]));
const ctxFor = (bomb) => {
  // Question 1 of the tiny exam, with the bomb's key as its answer.
  const u = { ...units.get('1'), answer: bomb.key };
  return {
    units: new Map([...units, ['1', u]]),
    rubric,
    responses: [
      {
        id: 'm|1|0',
        model: 'm',
        questionId: '1',
        unitIds: ['1'],
        sample: 0,
        text: `Working…\n\nFinal answer: \\boxed{${bomb.answer}}`,
      },
    ],
  };
};

/**
 * CPU milliseconds (user + system) of the slower of the first call and the best of `runs` more: a cold first call
 * counts too. CPU time, not wall time: on a shared machine the wall clock also counts the wait for a core.
 */
function best(fn, runs = 5) {
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t0 = cpuMs();
  fn();
  const first = cpuMs() - t0;
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = cpuMs();
    fn();
    min = Math.min(min, cpuMs() - t);
  }
  return Math.max(first, min);
}

let worst = 0;
let over = 0;
for (const bomb of BOMBS) {
  const cmp = best(() => answersEqual(bomb.answer, bomb.key));
  let status = '';
  const ctx = ctxFor(bomb);
  const whole = best(() => {
    status = gradeAuto(ctx).grades[0]?.status ?? 'none';
  });
  worst = Math.max(worst, cmp, whole);
  if (whole >= 100) over++;
  console.log(
    `${bomb.name.padEnd(42)} compare ${cmp.toFixed(1).padStart(6)} ms  grade ${whole.toFixed(1).padStart(7)} ms  ${status}${whole < 100 ? '' : '  OVER 100 ms'}`,
  );
}
console.log(
  `\n${BOMBS.length} bombs: slowest ${worst.toFixed(1)} ms; ${over === 0 ? 'all < 100 ms (ok)' : `${over} over 100 ms`}`,
);
