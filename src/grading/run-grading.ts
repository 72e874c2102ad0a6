/** Run-level grading entry points in one place (each also lives in its own module). */
export { gradeRunAuto } from './auto.js';
export { appendGrades } from './grade-writer.js';
export { scoreRun } from './score-run.js';
