import { createRequire } from 'node:module';

/**
 * The one progress display of the CLI: a cli-progress bar on a terminal, and on anything else (CI logs, pipes)
 * no bar at all, so that the caller prints plain lines at its own pace (`throttle`).
 */
export interface ProgressBar {
  /** True when a bar is drawn (a TTY outside CI). */
  readonly drawn: boolean;
  start(total: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  /** A line of text, written above the bar (the bar redraws on its next update). */
  line(text: string): void;
  stop(): void;
}

interface CliBar {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

export function openProgressBar(
  stream: NodeJS.WriteStream,
  format: string,
  opts: { clearOnComplete?: boolean } = {},
): ProgressBar {
  const drawn = Boolean(stream.isTTY) && !process.env.CI;
  let bar: CliBar | undefined;
  return {
    drawn,
    start(total, payload) {
      if (!drawn) return;
      // Loaded only on a terminal: most runs (CI, pipes) never draw a bar.
      const require = createRequire(import.meta.url);
      const cliProgress = require('cli-progress') as {
        SingleBar: new (o: Record<string, unknown>, preset: unknown) => CliBar;
        Presets: { shades_classic: unknown };
      };
      bar = new cliProgress.SingleBar(
        { stream, format, hideCursor: true, etaBuffer: 50, clearOnComplete: opts.clearOnComplete ?? false },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, payload);
    },
    update(value, payload) {
      bar?.update(value, payload);
    },
    line(text) {
      stream.write(bar ? `\r\x1b[K${text}\n` : `${text}\n`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** True at most once per `ms` (and always when `force`): the pace of plain progress lines in logs. */
export function throttle(ms: number): (force?: boolean) => boolean {
  let last = 0;
  return (force = false) => {
    const now = Date.now();
    if (!force && now - last < ms) return false;
    last = now;
    return true;
  };
}
