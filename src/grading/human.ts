import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { HeldoutError } from '../errors.js';
import { examQuestions, type Unit } from '../exam/model.js';
import type { GradeRecord, ResponseRecord } from '../store/records.js';
import { shuffled } from './blind.js';
import { gradableUnits, loadRunContext, type RunContext, type RunContextOptions, rubricFor } from './context.js';
import { applyRubric } from './rubric-apply.js';
import { GradeWriter, latestGrades, readGrades } from './store.js';
import { manifestUnitVersions, staleGrades } from './versions.js';

/**
 * Interactive human grading in the terminal. Blind by default: model names are hidden and the answers come in
 * an order shuffled with a seed that is recorded in the run directory, so a resumed session keeps the order.
 * Every answer is saved (fsync) as soon as it is marked: Ctrl-C loses nothing, and the next session resumes
 * at the first answer this grader has not marked.
 */

/** What the loop asks; a TTY gets @inquirer/prompts, piped input gets plain lines. */
export interface HumanPrompts {
  points(message: string, max: number): Promise<number>;
  yesNo(message: string): Promise<boolean>;
  show(text: string): void;
  close?(): void;
}

/** Thrown by a prompter when the grader stops (Ctrl-C, end of input). */
export class GradingStopped extends Error {}

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

/** The grading queue in session order, without the units this grader has already marked. */
export function humanQueue(
  ctx: RunContext,
  grader: string,
  session: HumanSession,
): { todo: HumanTask[]; total: number } {
  const tasks: HumanTask[] = [];
  for (const r of ctx.responses) {
    if (r.error || r.text === undefined) continue;
    for (const unit of gradableUnits(ctx, r)) tasks.push({ response: r, unit });
  }
  // Shuffle whole answers, then keep the sub-parts of one answer together and in order.
  const byResponse = new Map<string, HumanTask[]>();
  for (const t of tasks) byResponse.set(t.response.id, [...(byResponse.get(t.response.id) ?? []), t]);
  const responseIds = [...byResponse.keys()];
  const ordered = (session.blind ? shuffled(responseIds, session.seed) : responseIds).flatMap(
    (id) => byResponse.get(id)!,
  );
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

export function taskScreen(ctx: RunContext, task: HumanTask, index: number, total: number, blind: boolean): string {
  const target = rubricFor(ctx, task.unit.id)!;
  const question = examQuestions(ctx.exam.exam).find((q) => q.question.id === task.unit.questionId)!.question;
  const rule = '─'.repeat(72);
  const lines = [
    rule,
    `Answer ${index} of ${total}${blind ? '' : ` · model ${task.response.model} · sample ${task.response.sample}`}`,
    `Question ${question.number}${task.unit.id !== question.id ? ` (${task.unit.labels.slice(1).join('.')})` : ''} · ${task.unit.points} points`,
    '',
    question.text.trim(),
  ];
  if (task.unit.id !== question.id) lines.push('', `(${task.unit.labels.slice(1).join('.')}) ${task.unit.text.trim()}`);
  if (task.unit.reference) lines.push('', 'Reference solution:', task.unit.reference.trim());
  const notes = [ctx.rubric.rubric.notes, target.notes].filter(Boolean).join('\n').trim();
  if (notes) lines.push('', 'Marking notes:', notes);
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
  lines.push(
    '',
    "Candidate's answer (the whole response; mark this part only):",
    rule,
    terminalSafe(task.response.text ?? ''),
    rule,
  );
  return lines.join('\n');
}

export interface HumanResult {
  done: number;
  total: number;
  /** Already marked before this session. */
  before: number;
  stopped: boolean;
}

/** The grading loop: ask, apply the rubric, save at once; returns when done or when the grader stops. */
export async function humanGradingLoop(
  ctx: RunContext,
  opts: { grader: string; session: HumanSession; prompts: HumanPrompts; now?: () => string },
): Promise<HumanResult> {
  const { todo, total } = humanQueue(ctx, opts.grader, opts.session);
  const before = total - todo.length;
  const now = opts.now ?? (() => new Date().toISOString());
  const p = opts.prompts;
  if (before > 0 && todo.length > 0) p.show(`Resuming: ${before} of ${total} already marked by ${opts.grader}.`);
  const writer = new GradeWriter(ctx.runDir, true);
  let done = before;
  try {
    for (const task of todo) {
      p.show(taskScreen(ctx, task, done + 1, total, opts.session.blind));
      const target = rubricFor(ctx, task.unit.id)!;
      const items: Record<string, { points: number }> = {};
      for (const item of target.items) {
        items[item.id] = { points: await p.points(`[${item.id}] ${item.criterion} (0–${item.points})`, item.points) };
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
        at: now(),
      };
      writer.append(record);
      done++;
      p.show(
        `Saved: ${applied.total} of ${task.unit.points} points${applied.notes.length ? ` (${applied.notes.join('; ')})` : ''}.`,
      );
    }
  } catch (err) {
    if (err instanceof GradingStopped) return { done, total, before, stopped: true };
    throw err;
  } finally {
    writer.close();
    p.close?.();
  }
  return { done, total, before, stopped: false };
}

/** Plain line prompts for piped or scripted input: one answer per line; end of input stops. */
export function linePrompts(input: Readable, output: Writable): HumanPrompts {
  const rl = createInterface({ input, terminal: false });
  const queue: string[] = [];
  const waiters: ((line: string | undefined) => void)[] = [];
  let closed = false;
  rl.on('line', (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else queue.push(line);
  });
  rl.on('close', () => {
    closed = true;
    for (const w of waiters.splice(0)) w(undefined);
  });
  const next = (): Promise<string | undefined> => {
    if (queue.length) return Promise.resolve(queue.shift());
    if (closed) return Promise.resolve(undefined);
    return new Promise((res) => waiters.push(res));
  };
  const ask = async <T>(message: string, parse: (s: string) => T | string): Promise<T> => {
    for (;;) {
      output.write(`? ${message} `);
      const line = await next();
      if (line === undefined) {
        output.write('\n');
        throw new GradingStopped('end of input');
      }
      output.write(`${line}\n`);
      const v = parse(line.trim());
      if (typeof v === 'string') output.write(`  ${v}\n`);
      else return v;
    }
  };
  return {
    points: (message, max) =>
      ask(message, (s) => {
        const n = Number(s);
        if (s === '' || !Number.isInteger(n)) return `enter a whole number from 0 to ${max}`;
        if (n < 0 || n > max) return `enter a whole number from 0 to ${max}`;
        return n;
      }),
    yesNo: (message) =>
      ask(`${message} (y/N)`, (s) => {
        if (/^(y|yes|1)$/i.test(s)) return true;
        if (s === '' || /^(n|no|0)$/i.test(s)) return false;
        return 'answer y or n';
      }),
    show: (text) => void output.write(`${text}\n`),
    close: () => rl.close(),
  };
}

/** @inquirer/prompts for a terminal; Ctrl-C becomes GradingStopped. Streams can be given for tests. */
export async function inquirerPrompts(context?: { input?: Readable; output?: Writable }): Promise<HumanPrompts> {
  const { number, confirm } = await import('@inquirer/prompts');
  const out = context?.output ?? process.stdout;
  const ctxArg = context ? { input: context.input, output: context.output } : undefined;
  const stopOnExit = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if ((err as Error)?.name === 'ExitPromptError' || (err as Error)?.name === 'AbortPromptError') {
        throw new GradingStopped('interrupted');
      }
      throw err;
    }
  };
  return {
    points: (message, max) =>
      stopOnExit(async () => {
        const v = await number(
          {
            message,
            min: 0,
            max,
            step: 1,
            required: true,
            validate: (x) => (x !== undefined && Number.isInteger(x) && x >= 0 && x <= max) || `0 to ${max}`,
          },
          ctxArg as never,
        );
        return v as number;
      }),
    yesNo: (message) => stopOnExit(() => confirm({ message, default: false }, ctxArg as never)),
    show: (text) => void out.write(`${text}\n`),
  };
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
