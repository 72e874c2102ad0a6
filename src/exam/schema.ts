import { z } from 'zod';

/** Ids appear in file names, URLs and CSV cells, so keep them plain. */
export const idSchema = z
  .union([z.string(), z.number()])
  // YAML reads `id: 3.1` as a number; ids are always strings.
  .transform(String)
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-" (no spaces)'),
  );

const pointsSchema = z.number().int('must be a whole number of points').min(0, 'must not be negative');

export const answerKinds = ['number', 'fraction', 'expression', 'set', 'interval', 'tuple', 'choice', 'text'] as const;
export type AnswerKind = (typeof answerKinds)[number];

const scalar = z.union([z.string(), z.number()]);

/** A machine-checkable final answer. `value` is a string or number, or a list for set/tuple. */
export const answerSchema = z
  .object({
    kind: z.enum(answerKinds),
    value: z.union([scalar, z.array(scalar).min(1)]),
    tolerance: z.number().min(0).optional(),
    /** For expressions: the variables it may use (default: every free letter). */
    variables: z.array(z.string()).optional(),
  })
  .strict();
export type Answer = z.infer<typeof answerSchema>;

/** A diagram beside the exam file (PNG, SVG or JPEG), with the alt text that describes it to a reader who cannot see it. */
export const figureSchema = z
  .object({
    file: z.string().trim().min(1, 'must not be empty'),
    alt: z.string().trim().min(1, 'must describe the figure (it is what a model without image input reads)'),
  })
  .strict();
export type Figure = z.infer<typeof figureSchema>;

export interface SubPart {
  id: string;
  label?: string;
  text: string;
  points: number;
  reference?: string;
  answer?: Answer;
  figures?: Figure[];
  subparts?: SubPart[];
}

export const subPartSchema: z.ZodType<SubPart> = z.lazy(() =>
  z
    .object({
      id: idSchema,
      label: z.string().optional(),
      text: z.string().trim().min(1, 'must not be empty'),
      points: pointsSchema,
      reference: z.string().optional(),
      answer: answerSchema.optional(),
      figures: z.array(figureSchema).min(1).optional(),
      subparts: z.array(subPartSchema).min(1).optional(),
    })
    .strict(),
);

export const questionSchema = z
  .object({
    id: idSchema,
    number: z.union([z.string(), z.number()]).transform(String),
    text: z.string().trim().min(1, 'must not be empty'),
    points: pointsSchema,
    reference: z.string().optional(),
    answer: answerSchema.optional(),
    figures: z.array(figureSchema).min(1).optional(),
    subparts: z.array(subPartSchema).min(1).optional(),
    /** Shown to graders, never to the model. */
    notes: z.string().optional(),
  })
  .strict();
export type Question = z.infer<typeof questionSchema>;

export const chooseSchema = z
  .object({
    count: z.number().int().min(1),
    policy: z.enum(['best', 'first']).default('best'),
  })
  .strict();

export const partSchema = z
  .object({
    id: idSchema,
    title: z.string().min(1),
    points: pointsSchema,
    choose: chooseSchema.optional(),
    questions: z.array(questionSchema).min(1, 'a part needs at least one question'),
  })
  .strict();
export type Part = z.infer<typeof partSchema>;

export const examSchema = z
  .object({
    id: idSchema,
    title: z.string().min(1),
    language: z.string().regex(/^[a-z]{2}$/, 'use an ISO 639-1 code such as "en" or "hu"'),
    released: z
      .union([z.string(), z.date()])
      .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
      .pipe(
        z
          .string()
          .regex(
            /^\d{4}-\d{2}-\d{2}$/,
            'must be the date the exam was first made public, as YYYY-MM-DD: it is what makes the exam held out',
          ),
      ),
    source: z.string().optional(),
    licence: z.string().optional(),
    instructions: z.string().optional(),
    /** Total points; lint checks it against the parts. */
    points: pointsSchema.optional(),
    /** Prompt templates (Handlebars) that override the defaults for this exam. */
    prompts: z.object({ system: z.string().optional(), user: z.string().optional() }).strict().optional(),
    parts: z.array(partSchema).min(1, 'an exam needs at least one part'),
  })
  .strict();
export type Exam = z.infer<typeof examSchema>;

export const capSchema = z
  .object({
    id: idSchema,
    criterion: z.string().min(1),
    max: pointsSchema,
    /** When given, the cap applies automatically unless every one of these items was earned. */
    unless: z.array(idSchema).min(1).optional(),
  })
  .strict();
export type Cap = z.infer<typeof capSchema>;

export const rubricItemSchema = z
  .object({
    id: idSchema,
    points: pointsSchema,
    criterion: z.string().trim().min(1, 'must not be empty'),
    /** This item counts only if these items were earned (points > 0). */
    requires: z
      .union([idSchema, z.array(idSchema)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    /** Earned by a correct final answer: the automatic check awards exactly these. */
    auto: z.boolean().optional(),
  })
  .strict();
export type RubricItem = z.infer<typeof rubricItemSchema>;

/**
 * A sample answer with the points its author expects per item: `heldout rubric test` grades it with the checker and
 * the judges and reports where they disagree with the author. Examples never change a grade.
 */
export const rubricExampleSchema = z
  .object({
    /** A short name, e.g. "right number, wrong method". */
    name: z.string().optional(),
    answer: z.string().trim().min(1, 'must not be empty'),
    /** Expected points per rubric item id (every item of the unit). */
    points: z.record(z.string(), z.number().min(0, 'must not be negative')),
    /** Caps (without `unless`) the author expects a grader to apply. */
    caps: z.array(idSchema).optional(),
    note: z.string().optional(),
  })
  .strict();
export type RubricExample = z.infer<typeof rubricExampleSchema>;

export const rubricTargetSchema = z
  .object({
    notes: z.string().optional(),
    items: z.array(rubricItemSchema).min(1, 'list at least one rubric item'),
    caps: z.array(capSchema).optional(),
    /** The split of this unit's points into items was inferred, not taken from an official marking guide. */
    inferred: z.boolean().optional(),
    examples: z.array(rubricExampleSchema).optional(),
  })
  .strict();
export type RubricTarget = z.infer<typeof rubricTargetSchema>;

export const rubricSchema = z
  .object({
    exam: idSchema,
    notes: z.string().optional(),
    /** Graders may award half points (steps of 0.5); by default a judge's fractional points are invalid. */
    halfPoints: z.boolean().optional(),
    /** Keyed by the id of a question or sub-part that has no sub-parts of its own. */
    marking: z.record(z.string(), rubricTargetSchema),
  })
  .strict();
export type Rubric = z.infer<typeof rubricSchema>;
