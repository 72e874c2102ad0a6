import { type SessionView, type SessionWire, sessionFromWire, type UnitView } from '../protocol.js';
import { show } from './actions.js';
import { el } from './dom.js';
import { onKey } from './keyboard.js';
import { startLiveRefresh } from './live.js';
import { api, units } from './net.js';
import { state } from './state.js';
import { renderUnit } from './unit-view.js';

/**
 * The grading page's entry. Everything from the model arrives as markup the server rendered with the report's
 * escaping and KaTeX code (fields typed `Html`); every other string is put into the page as text (see dom.ts).
 */

/** The first screen the server put in the page, if any (see bootData on the server). */
function bootData(): { session: SessionWire; unit?: UnitView } | undefined {
  const node = document.getElementById('boot');
  if (!node?.textContent) return undefined;
  try {
    return JSON.parse(node.textContent) as { session: SessionWire; unit?: UnitView };
  } catch {
    return undefined;
  } finally {
    node.remove();
  }
}

async function start(): Promise<void> {
  const boot = bootData();
  if (boot?.unit) units.set(boot.unit.i, boot.unit);
  let session: SessionView;
  try {
    session = sessionFromWire(boot?.session ?? (await api<SessionWire>('api/session')));
  } catch (err) {
    document
      .getElementById('app')!
      .replaceChildren(el('p', { class: 'toast bad' }, `Could not start: ${(err as Error).message}`));
    return;
  }
  state.session = session;
  state.queue = session.queue;
  state.version = session.version;
  state.filter = session.filter;
  document.addEventListener('keydown', onKey);
  startLiveRefresh();
  if (!state.queue.length) {
    state.current = undefined;
    renderUnit();
    return;
  }
  await show(session.start);
}

void start();
