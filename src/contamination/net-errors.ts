/**
 * Network errors that no retry can cure within a run: the host name does not resolve, or nothing listens at the
 * address. Retrying them with backoff (as rate limits deserve) only makes an offline user wait minutes for a
 * misleading message, so callers stop at once and say what happened.
 */
const PERMANENT: Record<string, string> = {
  ENOTFOUND: 'DNS lookup failed: the host name does not resolve',
  EAI_AGAIN: 'DNS lookup failed: no name server answered',
  EAI_NONAME: 'DNS lookup failed: the host name does not resolve',
  ECONNREFUSED: 'connection refused: nothing listens at that address',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
};

/** `{code, why}` when `err` (a fetch TypeError, or its cause chain) is a permanent network failure. */
export function permanentNetworkError(err: unknown): { code: string; why: string; host?: string } | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const x = e as { code?: unknown; hostname?: unknown; address?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.code === 'string' && PERMANENT[x.code]) {
      const host = typeof x.hostname === 'string' ? x.hostname : typeof x.address === 'string' ? x.address : undefined;
      return { code: x.code, why: PERMANENT[x.code], host };
    }
    // Happy eyeballs: several addresses refused, reported as an AggregateError.
    if (Array.isArray(x.errors)) {
      for (const inner of x.errors) {
        const hit = permanentNetworkError(inner);
        if (hit) return hit;
      }
    }
    e = x.cause;
  }
  return undefined;
}
