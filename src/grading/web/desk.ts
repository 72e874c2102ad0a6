import { z } from 'zod';
import { examQuestions } from '../../exam/model.js';
import type { Html } from '../../html/escape.js';
import { renderInline, renderMarkdown } from '../../html/markdown.js';
import type { MathRenderer } from '../../html/math.js';
import { sameGrade } from '../../store/grades.js';
import type { GradeRecord } from '../../store/records.js';
import { blindId, runSalt } from '../blind.js';
import { type RunContext, rubricFor } from '../context.js';
import { type HumanSession, type HumanTask, humanOrder } from '../human.js';
import { applyRubric } from '../rubric-apply.js';
import { disagreement } from './adjudicate.js';
import { ExamFigures } from './figure-files.js';
import type { GradeLog } from './grade-log.js';
import {
  type DeskFilter,
  type DeskMode,
  deskFilters,
  encodeQueue,
  type GraderView,
  matches,
  type QueueEntry,
  type QueueReply,
  type SessionView,
  type UnitView,
} from './protocol.js';

/**
 * The grading desk behind the web page: the queue of units in this grader's order, what each screen shows, and
 * how a decision becomes a grade record. Blindness lives here, on the server: in grading mode a response never
 * carries the model's name or another person's points, and the checker's and judges' verdicts are sent only once
 * this grader has decided the unit (or in review mode, where the page marks them as shown before deciding).
 */

export interface DeskOptions {
  grader: string;
  mode: DeskMode;
  /** Show the checker's and judges' verdicts before the grader decides. */
  review: boolean;
  session: Pick<HumanSession, 'blind' | 'seed'>;
  filter: DeskFilter;
  now?: () => string;
}

/** Longer answers are cut for display, with a note: nobody grades 5 MB, and the page must stay responsive. */
export const MAX_ANSWER_DISPLAY = 100_000;

export const saveSchema = z
  .object({
    i: z.number().int().min(0),
    key: z.string(),
    items: z.record(z.string(), z.number().int().min(0)),
    caps: z.array(z.string()).default([]),
    comment: z.string().max(10_000).default(''),
    flagged: z.boolean().default(false),
  })
  .strict();
export type SaveRequest = z.infer<typeof saveSchema>;

export class DeskError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface RenderedUnit {
  question: Html;
  part?: Html;
  questionFigures?: UnitView['questionFigures'];
  partFigures?: UnitView['partFigures'];
  reference?: Html;
  notes?: Html;
  answer: Html;
  answerNote?: string;
  items: UnitView['items'];
  caps: UnitView['caps'];
}

const unitKey = (t: HumanTask) => `${t.response.id}\u0000${t.unit.id}`;

export class GradingDesk {
  private readonly order: HumanTask[];
  private readonly labels: string[];
  private readonly rendered = new Map<number, RenderedUnit>();
  private readonly salt: string;
  private readonly questionText: Map<string, { number: string; text: string }>;
  readonly figures: ExamFigures;
  private queued?: { version: number; queue: readonly QueueEntry[] };

  constructor(
    readonly ctx: RunContext,
    readonly log: GradeLog,
    readonly opts: DeskOptions,
    private readonly math: MathRenderer,
  ) {
    this.salt = runSalt(ctx.runDir);
    this.questionText = new Map(
      examQuestions(ctx.exam.exam).map(({ question }) => [
        question.id,
        { number: question.number, text: question.text },
      ]),
    );
    this.figures = new ExamFigures(ctx.exam.exam, ctx.exam.dir);
    const all = humanOrder(ctx, opts.session);
    // Adjudication works through the units graders disagree on; the set is fixed when the server starts.
    this.order = opts.mode === 'adjudicate' ? all.filter((t) => this.disagreeing(t)) : all;
    this.labels = this.order.map((t) => {
      const q = this.questionText.get(t.unit.questionId);
      const sub = t.unit.labels.slice(1).join('.');
      return `Q${q?.number ?? t.unit.questionId}${sub ? ` (${sub})` : ''}`;
    });
  }

  private answerId(t: HumanTask): string {
    return this.opts.session.blind ? blindId(this.salt, t.response.id) : t.response.id;
  }

  /** What the page sends back with a decision, to catch a stale page; opaque when blind (no model name in it). */
  private pageKey(t: HumanTask): string {
    return `${this.answerId(t)}/${t.unit.id}`;
  }

  get size(): number {
    return this.order.length;
  }

  private gradesOf(t: HumanTask): GradeRecord[] {
    return [...this.log.forUnit(unitKey(t))];
  }

  private disagreeing(t: HumanTask): GradeRecord[] | undefined {
    return disagreement(this.gradesOf(t));
  }

  private myKind(): GradeRecord['grader']['kind'] {
    return this.opts.mode === 'adjudicate' ? 'adjudicated' : 'human';
  }

  private mine(t: HumanTask): GradeRecord | undefined {
    const g = this.log.latestFor(t.response.id, t.unit.id, this.opts.grader);
    return g && g.grader.kind === this.myKind() ? g : undefined;
  }

  /**
   * The page's queue: one pass over the latest grades, indexed by unit. Kept until the log changes: the page asked
   * for at start-up, and every open page's poll after one save, reuse one pass. Callers must not change it.
   */
  queue(): readonly QueueEntry[] {
    this.log.refresh();
    if (this.queued?.version !== this.log.version) {
      this.queued = { version: this.log.version, queue: this.computeQueue() };
    }
    return this.queued.queue;
  }

  private computeQueue(): QueueEntry[] {
    const kind = this.myKind();
    return this.order.map((t, i) => {
      const gs = this.gradesOf(t);
      let mine: GradeRecord | undefined;
      let auto: GradeRecord | undefined;
      let settled = false;
      for (const g of gs) {
        if (g.grader.id === this.opts.grader && g.grader.kind === kind) mine = g;
        else if (g.grader.kind === 'auto') auto = g;
        if (g.grader.kind === 'adjudicated' && g.status === 'graded') settled = true;
      }
      return {
        i,
        label: this.labels[i],
        s: mine?.status === 'graded' ? (mine.flagged ? 2 : 1) : 0,
        u: !!auto && (auto.status === 'undetermined' || auto.verdict?.outcome === 'undetermined'),
        // An adjudicated disagreement is settled: it leaves the graders' queues (the adjudicator still lists it).
        d: gs.length > 1 && (!settled || this.opts.mode === 'adjudicate') && !!disagreement(gs),
      };
    });
  }

  /** Changes whenever the grade log does (this process's saves or another's): the queue's ETag. */
  version(): string {
    this.log.refresh();
    return `"g${this.log.version}"`;
  }

  /** What `GET api/queue` answers. The version is read first, so a save that lands meanwhile shows next time. */
  queueReply(): QueueReply {
    const version = this.version();
    return { version, queue: encodeQueue(this.queue()) };
  }

  session(): SessionView {
    const version = this.version();
    const queue = this.queue();
    const inFilter = queue.filter((e) => matches(e, this.opts.filter));
    const start = (inFilter.find((e) => e.s === 0) ?? inFilter[0] ?? { i: 0 }).i;
    const notes = this.ctx.rubric.rubric.notes;
    return {
      grader: this.opts.grader,
      mode: this.opts.mode,
      review: this.opts.review,
      blind: this.opts.session.blind,
      seed: this.opts.session.seed,
      exam: { id: this.ctx.exam.exam.id, title: this.ctx.exam.exam.title },
      ...(notes?.trim() ? { notes: renderMarkdown(notes, this.math) } : {}),
      filter: this.opts.filter,
      filters: deskFilters,
      start,
      queue: [...queue],
      version,
    };
  }

  private task(i: number): HumanTask {
    const t = this.order[i];
    if (!t) throw new DeskError(404, `no unit ${i} (this queue has ${this.order.length})`);
    return t;
  }

  private render(i: number): RenderedUnit {
    const hit = this.rendered.get(i);
    if (hit) return hit;
    const { response, unit } = this.task(i);
    const target = rubricFor(this.ctx, unit.id)!;
    const q = this.questionText.get(unit.questionId);
    const md = (text: string, breaks = false) => renderMarkdown(text, this.math, { breaks });
    const text = response.text ?? '';
    const cut = text.length > MAX_ANSWER_DISPLAY;
    const figures = this.figures.forUnit(unit.id);
    const out: RenderedUnit = {
      question: md(q?.text ?? ''),
      ...(unit.id !== unit.questionId ? { part: md(unit.text) } : {}),
      ...(figures.question.length ? { questionFigures: figures.question } : {}),
      ...(figures.part.length ? { partFigures: figures.part } : {}),
      ...(unit.reference ? { reference: md(unit.reference) } : {}),
      ...(target.notes?.trim() ? { notes: md(target.notes) } : {}),
      answer: md(cut ? text.slice(0, MAX_ANSWER_DISPLAY) : text, true),
      ...(cut ? { answerNote: `Shown: the first ${MAX_ANSWER_DISPLAY} of ${text.length} characters.` } : {}),
      items: target.items.map((it) => ({
        id: it.id,
        points: it.points,
        criterion: renderInline(it.criterion, this.math),
        ...(it.requires ? { requires: it.requires } : {}),
      })),
      caps: (target.caps ?? []).map((c) => ({
        id: c.id,
        max: c.max,
        criterion: renderInline(c.criterion, this.math),
        ...(c.unless ? { unless: c.unless } : {}),
      })),
    };
    // Rendering is the slow part (KaTeX); a few hundred screens cover a session's back-and-forth.
    if (this.rendered.size > 500) this.rendered.delete(this.rendered.keys().next().value!);
    this.rendered.set(i, out);
    return out;
  }

  unit(i: number): UnitView {
    this.log.refresh();
    const t = this.task(i);
    const r = this.render(i);
    const gs = this.gradesOf(t);
    const mine = this.mine(t);
    const decided = mine?.status === 'graded';
    const view: UnitView = {
      i,
      key: this.pageKey(t),
      label: this.labels[i],
      answerId: this.answerId(t),
      ...(this.opts.session.blind ? {} : { model: t.response.model, sample: t.response.sample }),
      maxPoints: t.unit.points,
      ...r,
      ...(mine ? { mine: { ...graderView(mine), flagged: !!mine.flagged, at: mine.at } } : {}),
    };
    if (this.opts.mode === 'adjudicate') {
      view.graders = (this.disagreeing(t) ?? []).map(graderView);
    }
    if (decided || this.opts.review || this.opts.mode === 'adjudicate') {
      const auto = gs.find((g) => g.grader.kind === 'auto');
      view.revealed = {
        beforeDecision: !decided,
        ...(auto ? { checker: { ...graderView(auto), ...(auto.verdict ? { verdict: auto.verdict } : {}) } } : {}),
        // Other people's points stay hidden from a grader: only machine verdicts are revealed.
        judges: gs.filter((g) => g.grader.kind === 'judge').map(graderView),
      };
    }
    return view;
  }

  /** Validates a decision, applies the rubric's rules and appends the grade (unless it repeats the current one). */
  save(req: SaveRequest): { record: GradeRecord; written: boolean } {
    this.log.refresh();
    const t = this.task(req.i);
    if (req.key !== this.pageKey(t))
      throw new DeskError(409, 'this unit is not the one the page shows; reload the page');
    const target = rubricFor(this.ctx, t.unit.id)!;
    for (const id of Object.keys(req.items)) {
      const item = target.items.find((x) => x.id === id);
      if (!item) throw new DeskError(400, `"${id}" is not a rubric item of ${this.labels[req.i]}`);
      if (req.items[id] > item.points) throw new DeskError(400, `item ${id}: at most ${item.points} points`);
    }
    const missing = target.items.filter((x) => req.items[x.id] === undefined).map((x) => x.id);
    if (missing.length) throw new DeskError(400, `no points for ${missing.join(', ')}`);
    for (const id of req.caps) {
      if (!(target.caps ?? []).some((c) => c.id === id && !c.unless)) {
        throw new DeskError(400, `"${id}" is not a cap a grader decides on ${this.labels[req.i]}`);
      }
    }
    const comment = req.comment.trim();
    const adjudicating = this.opts.mode === 'adjudicate';
    const settles = adjudicating ? (this.disagreeing(t) ?? []).map((g) => g.grader.id) : [];
    if (adjudicating && !comment)
      throw new DeskError(400, 'an adjudicated grade needs a reason: write it in the comment');
    const applied = applyRubric(target, t.unit.points, {
      items: Object.fromEntries(Object.entries(req.items).map(([k, v]) => [k, { points: v }])),
      caps: req.caps,
    });
    const notes = [...applied.notes];
    if (this.opts.review && !adjudicating) notes.push("graded in review mode (the checker's verdicts were shown)");
    const record: GradeRecord = {
      responseId: t.response.id,
      unitId: t.unit.id,
      grader: { kind: this.myKind(), id: this.opts.grader },
      status: 'graded',
      items: applied.items,
      ...(applied.caps.length ? { caps: applied.caps } : {}),
      total: applied.total,
      maxPoints: t.unit.points,
      ...(notes.length ? { note: notes.join('; ') } : {}),
      ...(comment ? { comment } : {}),
      ...(req.flagged ? { flagged: true } : {}),
      ...(adjudicating ? { adjudicates: settles } : {}),
      at: (this.opts.now ?? (() => new Date().toISOString()))(),
    };
    const bound = this.log.bind(record);
    if (sameGrade(this.mine(t), bound)) return { record: this.mine(t)!, written: false };
    this.log.append(bound);
    return { record: bound, written: true };
  }
}

function graderView(g: GradeRecord): GraderView {
  return {
    id: g.grader.id,
    kind: g.grader.kind,
    status: g.status,
    total: g.total,
    maxPoints: g.maxPoints,
    items: g.items,
    caps: g.caps ?? [],
    ...(g.comment ? { comment: g.comment } : {}),
    ...(g.note ? { note: g.note } : {}),
  };
}
