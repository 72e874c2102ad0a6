import { decodeQueue, type QueueReply } from '../protocol.js';
import { show } from './actions.js';
import { refreshProgress } from './header.js';
import { units } from './net.js';
import { state } from './state.js';
import { refreshMeta } from './unit-view.js';

/**
 * Live counts: another tab or another grader (on their own server, same grades.jsonl) saves, and this page's
 * progress, filters and unit state follow without a reload. The page polls `api/queue` with the version it has as
 * If-None-Match; nothing new costs the server an fstat and an empty 304. Polling rather than a push channel: the
 * saves come from other processes too, and the server learns of those only by looking at the file anyway.
 */

const EVERY_MS = 2000;
let inFlight = false;

async function poll(): Promise<void> {
  if (inFlight || document.hidden || !state.version) return;
  inFlight = true;
  try {
    const res = await fetch('api/queue', {
      headers: { 'If-None-Match': state.version },
      credentials: 'omit',
      cache: 'no-store',
    });
    if (res.status !== 200) return;
    applyQueue((await res.json()) as QueueReply);
  } catch {
    // The server stopped or the network hiccuped: the next tick tries again; saving reports its own errors.
  } finally {
    inFlight = false;
  }
}

function applyQueue(reply: QueueReply): void {
  const next = decodeQueue(reply.queue);
  const changed = new Set<number>();
  for (const e of next) {
    const was = state.queue[e.i];
    if (!was || was.s !== e.s || was.u !== e.u || was.d !== e.d) changed.add(e.i);
  }
  state.queue = next;
  state.version = reply.version;
  if (!changed.size) return;
  // A fetched screen of a changed unit is stale (its grade, its revealed verdicts).
  for (const i of changed) units.delete(i);
  refreshProgress();
  refreshMeta();
  // The unit on screen was graded elsewhere: show that grade, unless this grader has started changing it here.
  const u = state.current;
  if (u && changed.has(u.i) && !state.form.touched && !state.busy) void show(u.i, { keepToast: true });
}

export function startLiveRefresh(): void {
  setInterval(() => void poll(), EVERY_MS);
  document.addEventListener('visibilitychange', () => void poll());
}
