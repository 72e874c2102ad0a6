/**
 * Ctrl-C in two stages for long work: the first stops scheduling (calls in flight may finish and are saved), the
 * second aborts them. SIGTERM counts as Ctrl-C. `dispose` removes the handlers.
 */
export function twoStageInterrupt(): { stop: AbortSignal; abort: AbortSignal; dispose: () => void } {
  const stop = new AbortController();
  const abort = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) stop.abort();
    else abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: stop.signal,
    abort: abort.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
