import { createRequire } from 'node:module';
import { displayPath } from '../io/files.js';
import type { RunEvent } from './events.js';

export interface Progress {
  event(e: RunEvent): void;
  note(message: string): void;
  stop(): void;
}

interface Bar {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

/** A progress bar on a TTY; on anything else, plain lines (every failure, and a summary line every few seconds). */
export function createProgress(stream: NodeJS.WriteStream, opts: { intervalMs?: number } = {}): Progress {
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  let bar: Bar | undefined;
  let failed = 0;
  let lastLine = 0;
  let todo = 0;
  const interval = opts.intervalMs ?? 5000;
  const line = (s: string) => {
    // Over a bar: clear its line first; it redraws on the next update.
    stream.write(bar ? `\r\x1b[K${s}\n` : `${s}\n`);
  };
  return {
    event(e) {
      switch (e.type) {
        case 'start':
          todo = e.todo;
          line(
            `heldout: ${e.resumed ? 'resuming' : 'running'} ${displayPath(e.runDir)}: ${e.todo} of ${e.planned} item(s) to do`,
          );
          if (tty && e.todo > 0) {
            const require = createRequire(import.meta.url);
            const cliProgress = require('cli-progress') as {
              SingleBar: new (o: Record<string, unknown>, preset: unknown) => Bar;
              Presets: { shades_classic: unknown };
            };
            bar = new cliProgress.SingleBar(
              {
                stream,
                format: '{bar} {value}/{total} | failed {failed} | {eta_formatted} left | {last}',
                hideCursor: true,
                clearOnComplete: true,
                etaBuffer: 50,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(e.todo, 0, { failed: 0, last: '' });
          }
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
          if (!bar) {
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
          if (bar) {
            bar.update(e.done, { failed, last: `${r.model} ${r.questionId}#${r.sample}` });
          } else {
            const now = Date.now();
            if (e.done === e.todo || now - lastLine >= interval) {
              lastLine = now;
              line(`heldout: ${e.done}/${todo} done, ${failed} failed`);
            }
          }
          return;
        }
      }
    },
    note: line,
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
