/**
 * The one error type users see. The message says what went wrong; `where` points at the spot
 * (file, or file:line:col); `hint` says how to fix it. The CLI prints it as one line and exits with `exitCode`.
 */
export class HeldoutError extends Error {
  readonly where?: string;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(message: string, opts: { where?: string; hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HeldoutError';
    this.where = opts.where;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? ExitCode.UserError;
  }

  /** One line: `where: message (hint)`. */
  format(): string {
    const head = this.where ? `${this.where}: ${this.message}` : this.message;
    return this.hint ? `${head} — ${this.hint}` : head;
  }
}

/** Exit codes are part of the interface: CI scripts branch on them. */
export const ExitCode = {
  Ok: 0,
  /** Bad input, lint errors, failed items. */
  UserError: 1,
  /** `heldout check` / `scan` found contamination. */
  Contaminated: 2,
  /** A bug in heldout. */
  Internal: 3,
  /** The work ran but some of it fell short: `grade --judge` left some units ungraded, or `score --fail-under` found a
   * model below the threshold. */
  Incomplete: 4,
  BelowThreshold: 4,
  /** Interrupted (Ctrl-C); work so far is saved. */
  Interrupted: 130,
} as const;

export function isHeldoutError(err: unknown): err is HeldoutError {
  return err instanceof HeldoutError;
}
