import { z } from 'zod';

/**
 * The records a run directory holds. They are the contract between run → grade → score → report, and other
 * tools read them: change them only by adding optional fields. Documented in docs/formats.md.
 */

export const usageSchema = z.object({
  inputTokens: z.number().int().min(0).optional(),
  outputTokens: z.number().int().min(0).optional(),
});

/** Short content hashes of one unit: the question as asked, its answer key, its rubric entry (src/exam/versions.ts). */
export const unitVersionSchema = z.object({
  question: z.string(),
  key: z.string(),
  rubric: z.string().optional(),
});

/** One line of `responses.jsonl`: one (model, question, sample). */
export const responseRecordSchema = z.object({
  /** Stable key: `<model>|<questionId>|<sample>`. */
  id: z.string(),
  /** The model spec as given (`openai:gpt-4o`, `replay:answers.csv`, or a config name). */
  model: z.string(),
  /** The question asked (a top-level question, or a unit with --split-subparts). */
  questionId: z.string(),
  /** The units this answer is graded on. */
  unitIds: z.array(z.string()),
  sample: z.number().int().min(0),
  text: z.string().optional(),
  error: z.object({ kind: z.string(), message: z.string(), status: z.number().optional() }).optional(),
  finishReason: z.string().optional(),
  usage: usageSchema.optional(),
  timing: z
    .object({ startedAt: z.string(), ms: z.number().min(0), attempts: z.number().int().min(0).optional() })
    .optional(),
  cached: z.boolean().optional(),
  /** The prompt as sent, for audit (never contains keys). */
  messages: z.array(z.object({ role: z.string(), content: z.string() })).optional(),
  /** Completion mode (base models): the raw k-shot prompt as sent, instead of `messages`. */
  prompt: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  /** How each figure of the question reached the model: as an image input or as its alt text (and why). */
  figures: z
    .array(z.object({ file: z.string(), sent: z.enum(['image', 'alt-text']), reason: z.string().optional() }))
    .optional(),
  /** Per unit answered: the content versions of its question and answer key (and rubric, if any) when asked. */
  versions: z.record(z.string(), unitVersionSchema).optional(),
});
export type ResponseRecord = z.infer<typeof responseRecordSchema>;

/**
 * A response's `model` is the spec as given, with an optional label in front:
 * `Grok-1=replay:sheet.csv` → label `Grok-1`, spec `replay:sheet.csv`. A label has no `:`, `/` or `\\`, so
 * `replay:a=b.csv` and `vllm:org/m=x` stay plain specs.
 */
export function splitModelLabel(given: string): { label?: string; spec: string } {
  const eq = given.indexOf('=');
  if (eq <= 0) return { spec: given };
  const label = given.slice(0, eq).trim();
  const spec = given.slice(eq + 1);
  if (!label || !spec || /[:/\\]/.test(label)) return { spec: given };
  return { label, spec };
}

export const responseId = (model: string, questionId: string, sample: number) => `${model}|${questionId}|${sample}`;

/** `adjudicated`: a person's final grade where other graders disagreed (it names them in `adjudicates`). */
export const graderKinds = ['auto', 'judge', 'human', 'adjudicated'] as const;
export type GraderKind = (typeof graderKinds)[number];

/**
 * What the automatic checker read and decided for one unit: every verdict can be audited. `undetermined` means
 * the checker could not decide (no final answer, an ambiguous or truncated one, a low-confidence read, or an
 * answer over the comparison budget); it is never a silent 0.
 */
export const verdictOutcomes = ['correct', 'incorrect', 'undetermined'] as const;
export type VerdictOutcome = (typeof verdictOutcomes)[number];
export const verdictSchema = z.object({
  outcome: z.enum(verdictOutcomes),
  /** The final answer as extracted from the response. */
  extracted: z.string().optional(),
  /** Where it was found: `cue`, `boxed`, `conclusion`, `equation`, `whole`, … */
  source: z.string().optional(),
  /** 0..1: how sure the extraction is. */
  confidence: z.number().min(0).max(1).optional(),
  /** The answer key, as text. */
  key: z.string().optional(),
  /** The comparison rule that decided (`number`, `expression`, `set`, `choice`, …). */
  rule: z.string().optional(),
  /** Why: what differed, or why it is undetermined. */
  reason: z.string().optional(),
});
export type Verdict = z.infer<typeof verdictSchema>;

/** The exam and rubric a grade was made under, and the unit's own versions: `heldout regrade` compares them. */
export const gradeVersionSchema = z.object({
  exam: z.string(),
  rubric: z.string().optional(),
  unit: unitVersionSchema,
});
export type GradeVersion = z.infer<typeof gradeVersionSchema>;

/** Grade statuses: `undetermined` is the checker's "could not decide", `ungraded` a grader that failed. */
export const gradeStatuses = ['graded', 'ungraded', 'undetermined'] as const;
export type GradeStatus = (typeof gradeStatuses)[number];

/** One line of `grades.jsonl`: one grader's marks for one unit of one response. */
export const gradeRecordSchema = z.object({
  responseId: z.string(),
  unitId: z.string(),
  grader: z.object({
    kind: z.enum(graderKinds),
    /** `auto`, `judge:openai:gpt-4o`, or the human grader's name. */
    id: z.string(),
  }),
  status: z.enum(gradeStatuses),
  /** The automatic checker's reading of the final answer (auto grades). */
  verdict: verdictSchema.optional(),
  /** Points per rubric item after clamping, `requires` and caps. */
  items: z.record(z.string(), z.object({ points: z.number().min(0), reason: z.string().optional() })),
  /** Caps the grader said apply (conditions without `unless`). */
  caps: z.array(z.string()).optional(),
  total: z.number().min(0),
  maxPoints: z.number().min(0),
  /** Why it is ungraded, or the raw judge output kept for audit. */
  note: z.string().optional(),
  raw: z.string().optional(),
  /** A person's comment on the answer (for an adjudicated grade: the reason for it). */
  comment: z.string().optional(),
  /** The grader flagged the answer for discussion. */
  flagged: z.boolean().optional(),
  /** Adjudicated grades: the ids of the graders whose disagreement this grade settles. */
  adjudicates: z.array(z.string()).optional(),
  at: z.string(),
  /** The run the grade belongs to (`<manifest id>@<startedAt>`), and the answer it marks (`sha256:<16 hex>`). */
  runId: z.string().optional(),
  answerHash: z.string().optional(),
  /** The content versions this grade was made under (absent in grades written before versions existed). */
  version: gradeVersionSchema.optional(),
});
export type GradeRecord = z.infer<typeof gradeRecordSchema>;
