import { displayPath } from '../io/files.js';
import type { RunEvent } from '../run/events.js';
import { openProgressBar, throttle } from './progress-bar.js';

export interface Progress {
  event(e: RunEvent): void;
  note(message: string): void;
  stop(): void;
}

/** A run's progress: a bar on a TTY; elsewhere plain lines (every failure, and a summary line every few seconds). */
export function createProgress(stream: NodeJS.WriteStream, opts: { intervalMs?: number } = {}): Progress {
  const bar = openProgressBar(stream, '{bar} {value}/{total} | failed {failed} | {eta_formatted} left | {last}', {
    clearOnComplete: true,
  });
  const due = throttle(opts.intervalMs ?? 5000);
  let failed = 0;
  let todo = 0;
  const line = bar.line;
  return {
    event(e) {
      switch (e.type) {
        case 'start':
          todo = e.todo;
          line(
            `heldout: ${e.resumed ? 'resuming' : 'running'} ${displayPath(e.runDir)}: ${e.todo} of ${e.planned} item(s) to do`,
          );
          if (e.todo > 0) bar.start(e.todo, { failed: 0, last: '' });
          return;
        case 'repaired':
          line(
            `heldout: repaired a torn last line at ${displayPath(e.file).split('/').pop()}:${e.line} (a killed run); ${e.kept} records kept`,
          );
          return;
        case 'warning':
          line(`heldout: warning: ${e.message}`);
          return;
        case 'retry':
          if (!bar.drawn) {
            line(
              `heldout: ${e.model}: ${e.kind}${e.status ? ` ${e.status}` : ''}, retry ${e.retry} in ${(e.delayMs / 1000).toFixed(1)} s`,
            );
          }
          return;
        case 'stopping':
          line(
            `heldout: stopping: no new calls; ${e.inFlight} in flight get a moment to finish (Ctrl-C again cancels them)`,
          );
          return;
        case 'item': {
          const r = e.record;
          if (r.error) {
            failed++;
            line(
              `heldout: failed: ${r.model} question ${r.questionId} sample ${r.sample}: ${r.error.kind}: ${r.error.message}`,
            );
          }
          if (bar.drawn) bar.update(e.done, { failed, last: `${r.model} ${r.questionId}#${r.sample}` });
          else if (due(e.done === e.todo)) line(`heldout: ${e.done}/${todo} done, ${failed} failed`);
          return;
        }
      }
    },
    note: line,
    stop() {
      bar.stop();
    },
  };
}
