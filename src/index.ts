/** The library entry: the same functions the CLI uses. */

export { indexCacheDir, loadOrBuildIndex } from './contamination/bench/index-cache.js';
export { loadBenchmarkSource, loadBenchmarkSources } from './contamination/bench/load.js';
export { benchCacheDir, parseBenchSpec } from './contamination/bench/locate.js';
export {
  buildCharIndex,
  buildWordIndex,
  deserializeIndex,
  type IndexSpec,
  lookup,
  type NgramIndex,
  serializeIndex,
} from './contamination/bench/ngram-index.js';
export { HUB_DATASETS, listCachedBenchmarks, pullBenchmark } from './contamination/bench/pull.js';
export {
  type BadLine,
  type BenchItem,
  type BenchmarkSource,
  KNOWN_BENCHMARKS,
  type LoadBenchmarkOptions,
} from './contamination/bench/source.js';
export { checkText } from './contamination/check/check-text.js';
export type { CheckText, Match, Span, TextResult } from './contamination/check/result.js';
export { autoN, type CheckOptions, RULE_NAMES, type RuleName, type Verdict } from './contamination/check/rules.js';
export { longestSharedRun, similarity } from './contamination/check/similarity.js';
export { confirmMatches } from './contamination/confirm.js';
export { ngramHash, stringHash2 } from './contamination/hash.js';
export { renderCheckMarkdown, renderCheckTable } from './contamination/render.js';
export { CHECK_FORMAT, type CheckInput, type CheckResult, checkContamination } from './contamination/run-check.js';
export { listCorpus, parseShard, shardShares } from './contamination/scan/corpus.js';
export { countNgrams, type InfiniGramOptions, type InfiniGramResult } from './contamination/scan/infinigram.js';
export { k8sManifest } from './contamination/scan/k8s.js';
export { mergeScans, type ScanOutput } from './contamination/scan/result.js';
export { type ScanOptions, type ScanSource, scanCorpus } from './contamination/scan/scan.js';
export {
  gpt4Chars,
  JANITOR_PUNCTUATION,
  janitorNormalize,
  janitorTokens,
  latexNormalize,
  maskNumbers,
  NUM_TOKEN,
  pySplit,
} from './contamination/text/normalize.js';
export { normalizationId, type WordNormalization, wordTokens } from './contamination/text/tokens.js';
export { examTexts, itemsFileTexts, runAnswerTexts } from './contamination/texts.js';
export { ExitCode, HeldoutError } from './errors.js';
export { importExamFile } from './exam/import.js';
export { detectLanguage } from './exam/language.js';
export { lintExam } from './exam/lint.js';
export type { LintFinding, LintResult } from './exam/lint-findings.js';
export { lintRubric } from './exam/lint-rubric.js';
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
export { type FinalAnswerAccuracy, finalAnswerAccuracy, passAtK } from './grading/accuracy.js';
export {
  type AgreementReport,
  type AgreementStats,
  agreement,
  agreementForRun,
  krippendorffAlpha,
  pairStats,
  weightedKappa,
} from './grading/agreement.js';
export { AUTO_GRADER, type AutoSummary, gradeAuto, gradeRunAuto } from './grading/auto.js';
export { loadRunContext, type RunContext, readRunResponses } from './grading/context.js';
export { type ModelCoverage, rubricCoverage, unitState } from './grading/coverage.js';
export { answersEqual, type Comparison } from './grading/equivalence.js';
export {
  type AnswerReading,
  type ExtractedAnswer,
  extractFinalAnswer,
  extractUnitAnswers,
  readFinalAnswer,
  readUnitAnswers,
  splitByLabels,
} from './grading/extract.js';
export { appendGrades } from './grading/grade-writer.js';
export { gradeRunHuman, type HumanPrompts, humanGradingLoop, linePrompts } from './grading/human.js';
export { judgeMessages, judgeTask, parseJudgeOutput, type Reduce, reduceJudgeGrades } from './grading/judge.js';
export { gradeRunWithJudges, judgeTasks } from './grading/judge-run.js';
export { latexToMathjs } from './grading/latex.js';
export { bootstrapRatioCi, bootstrapTotalCi, MIN_POINTS, pairedPermutationTest } from './grading/paired.js';
export { type AppliedMarks, applyRubric, type RawMarks } from './grading/rubric-apply.js';
export { DEFAULT_PRECEDENCE, type ModelScore, type ScoreReport, scoreExam } from './grading/score.js';
export { scoreRun } from './grading/score-run.js';
export { scoreMarkdown } from './grading/score-text.js';
export { exportGradingSheet, importGradingSheet } from './grading/sheet.js';
export { type GradingServer, type ServeOptions, startGradingServer } from './grading/web/server.js';
export { canonicalJson } from './io/hash.js';
export { readTable, type Table, type TableRow } from './io/tabular.js';
export {
  type ChatMessage,
  type Completion,
  type CompletionRequest,
  isModelCallError,
  loadConfig,
  ModelCallError,
  type ModelCaller,
  type OpenModelOptions,
  openModel,
  resolveModelSpec,
} from './models/index.js';
export { loadReplaySheet, matchReplay, normaliseQuestionText, stripChatTemplate } from './models/replay.js';
export { type DemoOptions, type DemoResult, runDemo } from './pipeline/demo.js';
export { loadReportInputs, readBenchmarkScores, readCheckFile } from './pipeline/report-inputs.js';
export { writeReport } from './pipeline/write-report.js';
export { analyseProbes, type MemorisationFindings } from './probe/analyse.js';
export { type ProbeRecord, probeRecordSchema, readProbeManifest, readProbeRecords } from './probe/records.js';
export { type ProbeOptions, type ProbeResult, runProbes } from './probe/run-probe.js';
export { type CompareResult, compareMarkdown, compareRuns } from './report/compare.js';
export { renderCompare } from './report/compare-render.js';
export type { ReportInputs } from './report/inputs.js';
export { buildReportModel, type ReportModel, SECTION_TITLES } from './report/model.js';
export { renderReport } from './report/render.js';
export { buildRubricPreviewModel, type RubricPreviewModel, renderRubricPreview } from './report/rubric-preview.js';
export { leastSquares, overfitAnalysis } from './report/stats.js';
export type { RunEvent } from './run/events.js';
export { buildPromptItems, type PromptItem } from './run/prompt.js';
export { type RunExamOptions, type RunResult, runExam } from './run/runner.js';
export { gradeHistory, latestGrades, readGrades } from './store/grades.js';
export {
  listRuns,
  loadRunManifest,
  loadRunResponses,
  type RunManifest,
  type RunParams,
  runManifestSchema,
} from './store/run.js';
