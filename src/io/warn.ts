/**
 * Warnings from cores that must reach the user without stopping the command (a torn last line in a run). The CLI
 * prints them as `heldout: warning: …` on stderr; library users may route them elsewhere with `setWarningSink`.
 */
let sink: (message: string) => void = (message) => {
  process.stderr.write(`heldout: warning: ${message}\n`);
};
const said = new Set<string>();

export function setWarningSink(next: (message: string) => void): void {
  sink = next;
}

/** Says `message` once per process (a file read twice by one command warns once). */
export function warnOnce(message: string): void {
  if (said.has(message)) return;
  said.add(message);
  sink(message);
}
