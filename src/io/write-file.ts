import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { displayPath } from './files.js';

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
  refuseSystemPath(file, flag);
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

const KERNEL_FILE_SYSTEMS = ['/proc', '/sys'];

/**
 * Refuses an output path under /proc or /sys (also through a symbolic link): they are the kernel's, not storage, and
 * writing there can hang Node at 100% CPU.
 */
export function refuseSystemPath(path: string, flag: string): void {
  const full = resolve(path);
  let existing = full;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  let real = existing;
  try {
    real = realpathSync(existing);
  } catch {
    // Unreadable: judge by the path as given.
  }
  for (const candidate of [full, real]) {
    const root = KERNEL_FILE_SYSTEMS.find((k) => candidate === k || candidate.startsWith(`${k}/`));
    if (root) {
      throw new HeldoutError(`refusing to write under ${root}: it is the kernel's file system, not storage`, {
        where: displayPath(full),
        hint: `choose another ${flag} path`,
      });
    }
  }
}
