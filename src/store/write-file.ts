import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../exam/source.js';

/**
 * Writes an output file the user named (`-o`, `--out`, `--csv`) atomically: missing directories are created, the
 * content goes to a temp file that is renamed over the target, so a reader never opens half a file, and a failure
 * leaves nothing behind. `flag` names the option in the error; `example` is a file name to suggest.
 */
export function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  { flag = '-o', example = 'report.html' }: { flag?: string; example?: string } = {},
): string {
  const file = resolve(path);
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new HeldoutError('is a directory', {
      where: displayPath(file),
      hint: `give ${flag} a file path, e.g. ${flag} ${join(displayPath(file), example)}`,
    });
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new HeldoutError(`cannot write: ${(err as Error).message}`, {
      where: displayPath(file),
      hint: `check the ${flag} path`,
    });
  }
  return file;
}
