/** The library entry: the same functions the CLI uses. */
export { ExitCode, HeldoutError } from './errors.js';
export { importExamFile } from './exam/import.js';
export { detectLanguage } from './exam/language.js';
export { type LintFinding, type LintResult, lintExam, lintRubric } from './exam/lint.js';
export {
  findRubricFile,
  type LoadedExam,
  type LoadedRubric,
  loadExam,
  loadExamDoc,
  loadRubric,
  loadRubricDoc,
} from './exam/load.js';
export {
  canonicalJson,
  examHash,
  examMaxPoints,
  examQuestions,
  examUnits,
  partMaxPoints,
  questionPromptText,
  type Unit,
} from './exam/model.js';
export { examOutline } from './exam/outline.js';
export { rubricSkeleton, writeRubricSkeleton } from './exam/rubric-skeleton.js';
export * from './exam/schema.js';
export { parseSource, type SourceDoc } from './exam/source.js';
export { readTable, type Table, type TableRow } from './store/tabular.js';
