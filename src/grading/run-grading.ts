/** Run-level grading entry points in one place (each also lives in its own module). */
export { gradeRunAuto } from './auto.js';
export { scoreRun } from './score-run.js';
export { appendGrades } from './store.js';
