/** Shown instead of a section's content when its data does not exist yet. */
export interface Empty {
  message: string;
  command?: string;
}

/** A path as a shell argument: bare when it is safe, else single-quoted. */
export function shellArg(p: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`;
}

/** The run and exam as this report found them, quoted when needed, so that hints name commands that work as typed. */
export interface Hints {
  runDir: string;
  examDir: string;
}
