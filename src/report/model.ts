import { examUnits } from '../exam/model.js';
import { gradesByUnitOf } from './answer-audit.js';
import { type AnswersSection, answersSection, type ByModelFold, byModelFolds, foldAnchors } from './answers-section.js';
import { type BenchmarksSection, benchmarksSection } from './benchmarks-section.js';
import { type ContaminationSection, contaminationSection, reproducedItems } from './contamination-section.js';
import { type Hints, shellArg } from './empty-section.js';
import { fictionalData } from './fictional.js';
import { type GradersSection, gradersSection } from './graders-section.js';
import type { ReportInputs } from './inputs.js';
import { MEMORISATION_TITLE, type MemorisationView, memorisationView } from './memorisation.js';
import { type ModelRef, modelLabel, runModels } from './model-names.js';
import { type QuestionsSection, questionsSection } from './questions-section.js';
import { runFacts } from './run-facts.js';
import { scoreboardExtras } from './scoreboard.js';
import { type ScoreboardSection, scoreboardSection } from './scoreboard-section.js';

/**
 * The report's view model: one object with everything the templates print, assembled from one builder per
 * section (scoreboard-section.ts, questions-section.ts, answers-section.ts, graders-section.ts,
 * contamination-section.ts, benchmarks-section.ts, memorisation.ts, run-facts.ts). Pure: records in, views out.
 */

/** Exact section titles: tests and readers rely on them. */
export const SECTION_TITLES = {
  scoreboard: 'Scoreboard',
  questions: 'Questions',
  answers: 'Answers',
  graders: 'Graders',
  contamination: 'Contamination',
  benchmarks: 'Held-out vs public benchmarks',
  run: 'Run',
} as const;
export type SectionKey = keyof typeof SECTION_TITLES;

export interface ReportModel {
  title: string;
  examId: string;
  examTitle: string;
  runId: string;
  generatedAt: string;
  toolVersion: string;
  models: ModelRef[];
  sections: { key: SectionKey | 'memorisation'; title: string; number: number }[];
  scoreboard: ScoreboardSection;
  /** One fold per model listing its answers, question by question. */
  byModel: ByModelFold[];
  /** Data in this page that is fictional or an example (shown in the masthead and next to the data). */
  fictional: string[];
  questions: QuestionsSection;
  answers: AnswersSection;
  graders: GradersSection;
  contamination: ContaminationSection;
  benchmarks: BenchmarksSection;
  /** Only when the run directory has probe results (`heldout probe`). */
  memorisation?: MemorisationView;
  run: ReturnType<typeof runFacts>;
}

/** Pure: everything the templates print, computed from plain data. */
export function buildReportModel(inputs: ReportInputs): ReportModel {
  const { exam } = inputs;
  const units = new Map(examUnits(exam).map((u) => [u.id, u]));
  const { models, modelOf, scored } = runModels(inputs);
  const hints: Hints = {
    runDir: shellArg(inputs.runDir ?? `runs/${inputs.runId}`),
    examDir: shellArg(inputs.examDir ?? `exams/${exam.id}`),
  };
  const extras = scoreboardExtras(
    scored,
    [...units.values()],
    inputs.rubric?.marking ?? {},
    inputs.responses,
    inputs.grades,
  );
  const gradesByUnit = gradesByUnitOf(inputs.grades);
  const answers = answersSection(inputs, units, modelOf, gradesByUnit, reproducedItems(inputs.check), hints);
  const allAnswers = answers.questions.flatMap((q) => q.answers);
  const fictional = fictionalData(inputs, models);
  // Memorisation appears only with probe results, before Run.
  const keys: (SectionKey | 'memorisation')[] = Object.keys(SECTION_TITLES) as SectionKey[];
  if (inputs.memorisation) keys.splice(keys.indexOf('run'), 0, 'memorisation');
  return {
    title: `${exam.title} — results`,
    examId: exam.id,
    examTitle: exam.title,
    runId: inputs.runId,
    generatedAt: inputs.generatedAt,
    toolVersion: inputs.toolVersion,
    models,
    sections: keys.map((key, i) => ({
      key,
      title: key === 'memorisation' ? MEMORISATION_TITLE : SECTION_TITLES[key],
      number: i + 1,
    })),
    scoreboard: scoreboardSection(exam, scored, modelOf, extras, hints),
    questions: questionsSection(exam, scored, modelOf, foldAnchors(answers.questions), hints),
    answers,
    graders: gradersSection(gradesByUnit, inputs.agreement, answers.disagreements, hints),
    contamination: contaminationSection(inputs, exam, allAnswers, hints),
    benchmarks: benchmarksSection(inputs, models, fictional, hints),
    byModel: byModelFolds(models, answers.questions),
    fictional,
    memorisation: inputs.memorisation ? memorisationView(inputs.memorisation, modelLabel) : undefined,
    run: runFacts(inputs, models),
  };
}

// Other modules and the package's API name these from here.
