import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** The two ways the terminal grader asks: plain lines (piped or scripted input) and @inquirer/prompts (a TTY). */

/** What a grader may type instead of points. */
export type HumanCommand = 'back' | 'skip' | 'flag' | 'comment';

/** What the loop asks; a TTY gets @inquirer/prompts, piped input gets plain lines (see human-prompts.ts). */
export interface HumanPrompts {
  /** Points from 0 to max, or a command (b back, s skip, f flag, c comment). */
  points(message: string, max: number): Promise<number | HumanCommand>;
  yesNo(message: string): Promise<boolean>;
  /** A line of free text (a comment). */
  text(message: string): Promise<string>;
  show(text: string): void;
  close?(): void;
}

/** Thrown by a prompter when the grader stops (Ctrl-C, end of input). */
export class GradingStopped extends Error {}

/** Commands typed at a points prompt: a letter or the word. */
export function parseCommand(s: string): HumanCommand | undefined {
  const m = /^(b|back|s|skip|f|flag|c|comment)$/i.exec(s.trim());
  if (!m) return undefined;
  return ({ b: 'back', s: 'skip', f: 'flag', c: 'comment' } as const)[m[1][0].toLowerCase() as 'b' | 's' | 'f' | 'c'];
}

export const COMMAND_HELP = 'Type the points, or b (back to the previous answer), s (skip), f (flag), c (comment).';

/** A points answer: a whole number in range or a command; otherwise the message to show. */
function pointsOrCommand(s: string, max: number): { value: number | HumanCommand } | string {
  const command = parseCommand(s);
  if (command) return { value: command };
  const n = Number(s);
  if (s === '' || !Number.isInteger(n) || n < 0 || n > max) {
    return `enter a whole number from 0 to ${max}, or b (back), s (skip), f (flag), c (comment)`;
  }
  return { value: n };
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
  /** `parse` returns `{ value }`, or the message to show before asking again. */
  const ask = async <T>(message: string, parse: (s: string) => { value: T } | string): Promise<T> => {
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
      else return v.value;
    }
  };
  return {
    points: (message, max) => ask<number | HumanCommand>(message, (s) => pointsOrCommand(s, max)),
    text: (message) => ask(message, (s) => ({ value: s })),
    yesNo: (message) =>
      ask(`${message} (y/N)`, (s) => {
        if (/^(y|yes|1)$/i.test(s)) return { value: true };
        if (s === '' || /^(n|no|0)$/i.test(s)) return { value: false };
        return 'answer y or n';
      }),
    show: (text) => void output.write(`${text}\n`),
    close: () => rl.close(),
  };
}

/** @inquirer/prompts for a terminal; Ctrl-C becomes GradingStopped. Streams can be given for tests. */
export async function inquirerPrompts(context?: { input?: Readable; output?: Writable }): Promise<HumanPrompts> {
  const { input, confirm } = await import('@inquirer/prompts');
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
        const v = await input(
          {
            message,
            required: true,
            validate: (x) => {
              const r = pointsOrCommand(x.trim(), max);
              return typeof r === 'string' ? r : true;
            },
          },
          ctxArg as never,
        );
        return (pointsOrCommand(v.trim(), max) as { value: number | HumanCommand }).value;
      }),
    text: (message) => stopOnExit(() => input({ message }, ctxArg as never)),
    yesNo: (message) => stopOnExit(() => confirm({ message, default: false }, ctxArg as never)),
    show: (text) => void out.write(`${text}\n`),
  };
}
