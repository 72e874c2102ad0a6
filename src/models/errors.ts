/**
 * What went wrong with one model call. The runner records it on the item and goes on; `retryable` says whether
 * another attempt could succeed. `aborted` means the caller cancelled (Ctrl-C): it is never recorded.
 */
export type ModelCallErrorKind =
  | 'http'
  | 'timeout'
  | 'network'
  | 'malformed'
  | 'empty'
  | 'refusal'
  | 'auth'
  | 'aborted';

export class ModelCallError extends Error {
  readonly kind: ModelCallErrorKind;
  readonly status?: number;
  readonly retryable: boolean;
  /** Milliseconds the server asked us to wait (Retry-After), before our cap. */
  readonly retryAfterMs?: number;
  /** Attempts made before giving up (set by the retry loop). */
  attempts = 1;

  constructor(
    kind: ModelCallErrorKind,
    message: string,
    opts: { status?: number; retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ModelCallError';
    this.kind = kind;
    this.status = opts.status;
    this.retryable = opts.retryable ?? defaultRetryable(kind, opts.status);
    this.retryAfterMs = opts.retryAfterMs;
  }
}

function defaultRetryable(kind: ModelCallErrorKind, status?: number): boolean {
  switch (kind) {
    case 'timeout':
    case 'network':
    case 'malformed':
    case 'empty':
      return true;
    case 'http':
      return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    default:
      return false;
  }
}

export function isModelCallError(err: unknown): err is ModelCallError {
  return err instanceof ModelCallError;
}
