import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { HeldoutError } from '../errors.js';
import { examQuestions, type Unit } from '../exam/model.js';
import { latestGrades, readGrades } from '../store/grades.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';
import { shuffled } from './blind.js';
import { gradableUnits, loadRunContext, type RunContext, type RunContextOptions, rubricFor } from './context.js';
import { GradeWriter } from './grade-writer.js';
import { COMMAND_HELP, GradingStopped, type HumanPrompts, inquirerPrompts, linePrompts } from './human-prompts.js';
import { applyRubric } from './rubric-apply.js';
import { manifestUnitVersions, staleGrades } from './versions.js';

export {
  COMMAND_HELP,
  GradingStopped,
  type HumanCommand,
  type HumanPrompts,
  inquirerPrompts,
  linePrompts,
  parseCommand,
} from './human-prompts.js';

/**
 * Interactive human grading in the terminal. Blind by default: model names are hidden and the answers come in
 * an order shuffled with a seed that is recorded in the run directory, so a resumed session keeps the order.
 * Every answer is saved (fsync) as soon as it is marked: Ctrl-C loses nothing, and the next session resumes
 * at the first answer this grader has not marked.
 */

const sessionSchema = z.object({
  grader: z.string(),
  seed: z.number().int(),
  blind: z.boolean(),
  startedAt: z.string(),
});
export type HumanSession = z.infer<typeof sessionSchema>;

const sessionFile = (runDir: string, grader: string) =>
  join(runDir, `human-session-${grader.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);

/** The recorded seed and blindness for this grader, created on the first session. */
export function humanSession(runDir: string, grader: string, opts: { seed?: number; blind?: boolean }): HumanSession {
  const file = sessionFile(runDir, grader);
  if (existsSync(file)) {
    const parsed = sessionSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
  }
  const session: HumanSession = {
    grader,
    seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31),
    blind: opts.blind !== false,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(file, `${JSON.stringify(session, null, 2)}\n`);
  return session;
}

export interface HumanTask {
  response: ResponseRecord;
  unit: Unit;
}

/**
 * Every gradable (response, unit) in session order, as exam boards mark: question by question in exam order, and
 * within a question the answers shuffled with the session seed (blind) or in run order; the units of one answer
 * stay together and in order. The terminal grader, the web grader and a resumed session all use this order.
 */
export function humanOrder(ctx: RunContext, session: Pick<HumanSession, 'blind' | 'seed'>): HumanTask[] {
  const position = new Map(examQuestions(ctx.exam.exam).map(({ question }, i) => [question.id, i]));
  const byResponse = new Map<string, HumanTask[]>();
  for (const r of ctx.responses) {
    if (r.error || r.text === undefined) continue;
    const units = gradableUnits(ctx, r);
    if (units.length)
      byResponse.set(
        r.id,
        units.map((unit) => ({ response: r, unit })),
      );
  }
  const ids = [...byResponse.keys()];
  const shuffledIds = session.blind ? shuffled(ids, session.seed) : ids;
  const questionOf = (id: string) => position.get(byResponse.get(id)![0].unit.questionId) ?? position.size;
  return shuffledIds
    .map((id, i) => ({ id, i, q: questionOf(id) }))
    .sort((a, b) => a.q - b.q || a.i - b.i)
    .flatMap(({ id }) => byResponse.get(id)!);
}

/** The grading queue in session order, without the units this grader has already marked. */
export function humanQueue(
  ctx: RunContext,
  grader: string,
  session: HumanSession,
): { todo: HumanTask[]; total: number } {
  const ordered = humanOrder(ctx, session);
  const mine = latestGrades(readGrades(ctx.runDir)).filter(
    (g) => g.grader.kind === 'human' && g.grader.id === grader && g.status === 'graded',
  );
  // A grade made under an earlier version of its unit (a corrected question, key or rubric) is asked again.
  const stale = new Set(staleGrades(mine, ctx.versions, manifestUnitVersions(ctx.manifest)).map((s) => s.grade));
  const done = new Set(mine.filter((g) => !stale.has(g)).map((g) => `${g.responseId}\u0000${g.unitId}`));
  return { todo: ordered.filter((t) => !done.has(`${t.response.id}\u0000${t.unit.id}`)), total: ordered.length };
}

/** Model output is untrusted: no terminal escape sequences or bidi tricks reach the grader's terminal. */
export function terminalSafe(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\)/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '')
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase()}>`);
}

/**
 * The question, once per question: its text, every sub-part with its official answer and marking notes, and the
 * rubric. Answers to it follow, each shown once however many units it is graded on.
 */
export function questionScreen(ctx: RunContext, questionId: string): string {
  const question = examQuestions(ctx.exam.exam).find((q) => q.question.id === questionId)!.question;
  const units = [...ctx.units.values()].filter((u) => u.questionId === questionId && rubricFor(ctx, u.id));
  const rule = '═'.repeat(72);
  const lines = [rule, `Question ${question.number} · ${question.points} points`, '', question.text.trim()];
  for (const unit of units) {
    const target = rubricFor(ctx, unit.id)!;
    const sub = unit.labels.slice(1).join('.');
    if (sub) lines.push('', `(${sub}) ${unit.text.trim()} · ${unit.points} points`);
    if (unit.reference) lines.push('', 'Official answer:', unit.reference.trim());
    if (target.notes?.trim()) lines.push('', 'Notes for graders:', target.notes.trim());
    lines.push('', 'Rubric:');
    for (const item of target.items) {
      const req = item.requires ? ` (requires ${item.requires.join(', ')})` : '';
      lines.push(`  [${item.id}] ${item.points} pt: ${item.criterion}${req}`);
    }
    for (const cap of target.caps ?? []) {
      lines.push(
        `  cap [${cap.id}] at most ${cap.max}: ${cap.criterion}${cap.unless ? ` (automatic unless ${cap.unless.join(', ')})` : ''}`,
      );
    }
  }
  lines.push(rule);
  return lines.join('\n');
}

function answerScreen(task: HumanTask, index: number, total: number, blind: boolean): string {
  const rule = '─'.repeat(72);
  const who = blind ? '' : ` · model ${task.response.model} · sample ${task.response.sample}`;
  return [
    rule,
    `Answer ${index} of ${total} · question ${task.unit.labels[0]}${who}`,
    rule,
    terminalSafe(task.response.text ?? ''),
    rule,
  ].join('\n');
}

export interface HumanResult {
  /** Units this grader has graded (before and during this session). */
  done: number;
  total: number;
  /** Already marked before this session. */
  before: number;
  /** Units skipped in this session (still ungraded). */
  skipped: number;
  stopped: boolean;
}

/**
 * The grading loop, in session order from where this grader stopped: ask, apply the rubric, save at once. The
 * general marking notes are shown once; each question once (when its first answer comes); each answer once (not
 * once per sub-part). `b` goes back to the previous unit to grade it again, `s` skips, `f` flags, `c` comments.
 */
export async function humanGradingLoop(
  ctx: RunContext,
  opts: { grader: string; session: HumanSession; prompts: HumanPrompts; now?: () => string },
): Promise<HumanResult> {
  const order = humanOrder(ctx, opts.session);
  const total = order.length;
  const key = (t: HumanTask) => `${t.response.id}\u0000${t.unit.id}`;
  const done = new Set(
    latestGrades(readGrades(ctx.runDir))
      .filter((g) => g.grader.kind === 'human' && g.grader.id === opts.grader && g.status === 'graded')
      .map((g) => `${g.responseId}\u0000${g.unitId}`),
  );
  const before = order.filter((t) => done.has(key(t))).length;
  const now = opts.now ?? (() => new Date().toISOString());
  const p = opts.prompts;
  if (before > 0 && before < total) p.show(`Resuming: ${before} of ${total} already marked by ${opts.grader}.`);
  const notes = ctx.rubric.rubric.notes?.trim();
  if (notes && before < total) p.show(`Marking notes for the whole paper:\n${notes}`);
  if (before < total) p.show(COMMAND_HELP);
  const writer = new GradeWriter(ctx.runDir, true, 'grade --human');
  const skipped = new Set<string>();
  let shownQuestion: string | undefined;
  let shownResponse: string | undefined;
  // The unit the grader went back to: shown even though it is graded.
  let revisit = -1;
  let i = 0;
  try {
    while (i < order.length) {
      const task = order[i];
      if (i !== revisit && (done.has(key(task)) || skipped.has(key(task)))) {
        i++;
        continue;
      }
      if (shownQuestion !== task.unit.questionId) {
        p.show(questionScreen(ctx, task.unit.questionId));
        shownQuestion = task.unit.questionId;
        shownResponse = undefined;
      }
      if (shownResponse !== task.response.id) {
        p.show(answerScreen(task, order.indexOf(task) + 1, total, opts.session.blind));
        shownResponse = task.response.id;
      }
      const target = rubricFor(ctx, task.unit.id)!;
      const sub = task.unit.labels.slice(1).join('.');
      if (sub || i === revisit)
        p.show(`Grading ${sub ? `part (${sub})` : `question ${task.unit.labels[0]}`}${i === revisit ? ' again' : ''}:`);
      const items: Record<string, { points: number }> = {};
      let comment = '';
      let flagged = false;
      let move: 'back' | 'skip' | undefined;
      for (let k = 0; k < target.items.length && !move; ) {
        const item = target.items[k];
        const v = await p.points(`[${item.id}] ${item.criterion} (0–${item.points})`, item.points);
        if (typeof v === 'number') {
          items[item.id] = { points: v };
          k++;
        } else if (v === 'flag') {
          flagged = !flagged;
          p.show(flagged ? 'Flagged for discussion (saved with the grade).' : 'Flag removed.');
        } else if (v === 'comment') {
          comment = (await p.text('Comment:')).trim();
          p.show(comment ? 'Comment noted (saved with the grade).' : 'No comment.');
        } else move = v;
      }
      if (move === 'skip') {
        skipped.add(key(task));
        p.show('Skipped: it stays ungraded; the next session offers it again.');
        i++;
        continue;
      }
      if (move === 'back') {
        const prev = i - 1;
        if (prev < 0) {
          p.show('This is the first answer.');
          revisit = i;
          continue;
        }
        skipped.delete(key(order[prev]));
        revisit = prev;
        i = prev;
        shownResponse = undefined;
        continue;
      }
      const caps: string[] = [];
      for (const cap of target.caps ?? []) {
        if (!cap.unless && (await p.yesNo(`Cap [${cap.id}] applies? ${cap.criterion}`))) caps.push(cap.id);
      }
      const applied = applyRubric(target, task.unit.points, { items, caps });
      const record: GradeRecord = {
        responseId: task.response.id,
        unitId: task.unit.id,
        grader: { kind: 'human', id: opts.grader },
        status: 'graded',
        items: applied.items,
        ...(applied.caps.length ? { caps: applied.caps } : {}),
        total: applied.total,
        maxPoints: task.unit.points,
        ...(applied.notes.length ? { note: applied.notes.join('; ') } : {}),
        ...(comment ? { comment } : {}),
        ...(flagged ? { flagged: true } : {}),
        at: now(),
      };
      writer.append(record);
      done.add(key(task));
      p.show(
        `Saved: ${applied.total} of ${task.unit.points} points${applied.notes.length ? ` (${applied.notes.join('; ')})` : ''}.`,
      );
      revisit = -1;
      i++;
    }
  } catch (err) {
    if (err instanceof GradingStopped) return { done: done.size, total, before, skipped: skipped.size, stopped: true };
    throw err;
  } finally {
    writer.close();
    p.close?.();
  }
  return { done: order.filter((t) => done.has(key(t))).length, total, before, skipped: skipped.size, stopped: false };
}

export async function gradeRunHuman(
  runDir: string,
  opts: RunContextOptions & {
    grader: string;
    blind?: boolean;
    seed?: number;
    prompts?: HumanPrompts;
    input?: Readable;
    output?: Writable;
  },
): Promise<HumanResult> {
  const grader = opts.grader.trim();
  if (!grader) throw new HeldoutError('--grader must not be empty');
  const ctx = loadRunContext(runDir, opts);
  const session = humanSession(ctx.runDir, grader, opts);
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  const prompts =
    opts.prompts ??
    ((input as NodeJS.ReadStream).isTTY ? await inquirerPrompts({ input, output }) : linePrompts(input, output));
  if (session.blind) output.write(`Blind grading: model names hidden, order seed ${session.seed} (recorded).\n`);
  return humanGradingLoop(ctx, { grader, session, prompts });
}
