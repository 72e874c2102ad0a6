import Handlebars from 'handlebars';
import { HeldoutError } from '../errors.js';
import { figureText } from '../exam/figures.js';
import { examQuestions, examUnits, questionPromptText } from '../exam/model.js';
import type { Exam, Part, Question, SubPart } from '../exam/schema.js';
import type { ChatMessage } from '../models/index.js';

/** What one prompt asks: a whole top-level question (sub-parts together, as on paper) or, split, one unit. */
export interface PromptItem {
  /** Stored as the record's `questionId`: the question id, or the unit id with --split-subparts. */
  questionId: string;
  /** The top-level question it belongs to. */
  parentId: string;
  unitIds: string[];
  /** Text pieces as they appear in the prompt (stem, sub-parts): used to match replayed answers by text. */
  pieces: string[];
  /** The question text as asked. */
  text: string;
  messages: ChatMessage[];
  /** Completion mode: the raw k-shot prompt. */
  prompt?: string;
  /** The figures in the question text, as `[Figure n: alt]` (n as numbered there). */
  figures?: { n: number; file: string; alt: string }[];
}

export interface PromptOptions {
  mode: 'chat' | 'completion';
  splitSubparts: boolean;
  /** Handlebars template texts; default: the exam's `prompts`, then heldout's defaults. */
  systemTemplate?: string;
  userTemplate?: string;
  /** Completion mode: worked examples from other questions. */
  shots: number;
}

export const DEFAULT_SYSTEM_TEMPLATE = `You are a candidate sitting a written examination: {{exam.title}}.
{{#if instructions}}

{{instructions}}
{{/if}}`;

/** Each question is its own conversation, so the model answers every one (a `choose` part scores the best k). */
export const DEFAULT_USER_TEMPLATE = `Question {{question.number}} ({{question.points}} point{{#unless question.onePoint}}s{{/unless}})

{{question.text}}`;

/** What a template can use. */
export interface PromptContext {
  exam: { id: string; title: string; language: string; instructions?: string };
  instructions: string;
  part: { id: string; title: string; choose?: { count: number }; questionCount: number };
  question: { id: string; number: string; text: string; stem: string; points: number; onePoint: boolean };
}

function compile(source: string, what: string): HandlebarsTemplateDelegate<PromptContext> {
  const hb = Handlebars.create();
  try {
    const tpl = hb.compile<PromptContext>(source, { noEscape: true, strict: false });
    return tpl;
  } catch (err) {
    throw new HeldoutError(`invalid ${what} template: ${(err as Error).message.split('\n')[0]}`);
  }
}

function render(tpl: HandlebarsTemplateDelegate<PromptContext>, ctx: PromptContext, what: string): string {
  try {
    return tpl(ctx).trim();
  } catch (err) {
    throw new HeldoutError(`the ${what} template failed: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The reference solution of a question for a k-shot example: its own, or its sub-parts' labelled. */
function referenceText(q: Question): string | undefined {
  if (q.reference?.trim()) return q.reference.trim();
  const parts: string[] = [];
  const walk = (nodes: SubPart[] | undefined) => {
    for (const s of nodes ?? []) {
      if (s.subparts?.length) walk(s.subparts);
      else if (s.reference?.trim()) parts.push(`${s.label ?? s.id}) ${s.reference.trim()}`);
      else return false;
    }
    return true;
  };
  if (!q.subparts?.length || !walk(q.subparts) || parts.length === 0) return undefined;
  return parts.join('\n\n');
}

/** The chain of sub-parts from a question down to a unit, for asking one unit with its context. */
function pathTo(q: Question, unitId: string): SubPart[] | undefined {
  const walk = (nodes: SubPart[] | undefined, trail: SubPart[]): SubPart[] | undefined => {
    for (const s of nodes ?? []) {
      const here = [...trail, s];
      if (s.id === unitId) return here;
      const found = walk(s.subparts, here);
      if (found) return found;
    }
    return undefined;
  };
  return walk(q.subparts, []);
}

/** Builds every prompt of a run, in exam order. */
export function buildPromptItems(exam: Exam, opts: PromptOptions): PromptItem[] {
  const systemTpl = compile(opts.systemTemplate ?? exam.prompts?.system ?? DEFAULT_SYSTEM_TEMPLATE, 'system');
  const userTpl = compile(opts.userTemplate ?? exam.prompts?.user ?? DEFAULT_USER_TEMPLATE, 'user');
  const units = examUnits(exam);
  const questions = examQuestions(exam);
  const instructions = exam.instructions?.trim() ?? '';
  const examCtx = { id: exam.id, title: exam.title, language: exam.language, instructions: exam.instructions };

  const asked: {
    item: Omit<PromptItem, 'messages' | 'prompt'>;
    part: Part;
    number: string;
    points: number;
    stem: string;
  }[] = [];
  for (const { question: q, part } of questions) {
    const qUnits = units.filter((u) => u.questionId === q.id);
    if (!opts.splitSubparts || !q.subparts?.length) {
      asked.push({
        item: {
          questionId: q.id,
          parentId: q.id,
          unitIds: qUnits.map((u) => u.id),
          pieces: [q.text, ...qUnits.filter((u) => u.id !== q.id).map((u) => u.text)],
          text: questionPromptText(q),
          ...numberedFigures([q, ...allSubparts(q.subparts)]),
        },
        part,
        number: q.number,
        points: q.points,
        stem: q.text.trim(),
      });
      continue;
    }
    for (const u of qUnits) {
      const path = pathTo(q, u.id) ?? [];
      // Figures are described by their alt text (numbered along the way down to this sub-part).
      const lines = [[q.text.trim(), ...figureText(q.figures)].join('\n\n')];
      let figureNo = (q.figures ?? []).length + 1;
      path.forEach((s, depth) => {
        const described = figureText(s.figures, figureNo);
        figureNo += described.length;
        lines.push(
          `${'  '.repeat(depth)}${s.label ?? s.id}) ${s.text.trim()} (${s.points} point${s.points === 1 ? '' : 's'})${described.length ? `\n${described.join('\n')}` : ''}`,
        );
      });
      asked.push({
        item: {
          questionId: u.id,
          parentId: q.id,
          unitIds: [u.id],
          pieces: [q.text, ...path.map((s) => s.text)],
          text: lines.join('\n\n'),
          ...numberedFigures([q, ...path]),
        },
        part,
        number: `${q.number}${path.map((s) => ` ${s.label ?? s.id}`).join('')}`,
        points: u.points,
        stem: q.text.trim(),
      });
    }
  }

  const shots =
    opts.mode === 'completion'
      ? questions
          .map(({ question }) => ({ question, reference: referenceText(question) }))
          .filter((s): s is { question: Question; reference: string } => s.reference !== undefined)
      : [];

  return asked.map(({ item, part, number, points, stem }) => {
    if (opts.mode === 'completion') {
      const examples = shots
        .filter((s) => s.question.id !== item.parentId)
        .slice(0, opts.shots)
        .map((s) => `Question: ${questionPromptText(s.question)}\nAnswer: ${s.reference}`);
      const head = instructions ? `${instructions}\n\n` : '';
      const prompt = `${head}${[...examples, `Question: ${item.text}\nAnswer:`].join('\n\n')}`;
      return { ...item, messages: [], prompt };
    }
    const ctx: PromptContext = {
      exam: examCtx,
      instructions,
      part: {
        id: part.id,
        title: part.title,
        choose: part.choose ? { count: part.choose.count } : undefined,
        questionCount: part.questions.length,
      },
      question: { id: item.questionId, number, text: item.text, stem, points, onePoint: points === 1 },
    };
    const system = render(systemTpl, ctx, 'system');
    const user = render(userTpl, ctx, 'user');
    const messages: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
    messages.push({ role: 'user', content: user });
    return { ...item, messages };
  });
}

/** Sub-parts depth-first, in the order the question text lists them. */
function allSubparts(nodes: SubPart[] | undefined): SubPart[] {
  return (nodes ?? []).flatMap((s) => [s, ...allSubparts(s.subparts)]);
}

/** Figures of these nodes in order, numbered 1, 2, … as the prompt text numbers them. */
function numberedFigures(nodes: (Question | SubPart)[]): Pick<PromptItem, 'figures'> {
  const figures = nodes.flatMap((n) => n.figures ?? []).map((f, i) => ({ n: i + 1, file: f.file, alt: f.alt.trim() }));
  return figures.length ? { figures } : {};
}
