import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';

/** Writes atomically (temp file + rename) so that a reader never opens half a report. */
export function writeFileAtomic(path: string, content: string): string {
  const file = resolve(path);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    throw new HeldoutError(`cannot write: ${(err as Error).message}`, { where: path, hint: 'check the -o path' });
  }
  return file;
}
