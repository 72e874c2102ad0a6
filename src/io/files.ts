import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { HeldoutError } from '../errors.js';

/** A path as the user should see it: relative to the working directory when it lies below it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** Reads a UTF-8 file, turning the OS's errors into one user error that names the file. */
export function readText(file: string, what = 'file'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HeldoutError(`${what} not found`, { where: displayPath(file) });
    if (code === 'EISDIR')
      throw new HeldoutError(`expected a ${what}, found a directory`, { where: displayPath(file) });
    throw new HeldoutError(`cannot read ${what}: ${(err as Error).message}`, { where: displayPath(file) });
  }
}
