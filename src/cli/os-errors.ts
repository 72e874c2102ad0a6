import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';

/**
 * Errors from the operating system are the user's to fix (a full disk, a path without permission, a file where a
 * folder should be), not bugs: each becomes one line naming the path and the cause, exit 1.
 */
const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists',
  ENOENT: 'no such file or folder',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ELOOP: 'too many symbolic links',
  EBUSY: 'the file or device is busy',
  EIO: 'input/output error',
};

interface SystemError {
  code?: string;
  path?: string;
  dest?: string;
  syscall?: string;
}

/** The HeldoutError for an OS error (looking through `cause` chains), or undefined when it is not one. */
export function osErrorToUserError(err: unknown): HeldoutError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const sys = e as SystemError;
    if (typeof sys.code !== 'string' || !(sys.code in CAUSES)) continue;
    const path = sys.dest ?? sys.path;
    return new HeldoutError(`${CAUSES[sys.code]} (${sys.code}${sys.syscall ? ` on ${sys.syscall}` : ''})`, {
      where: path ? displayPath(path) : undefined,
      hint: hintFor(sys.code),
      cause: err,
    });
  }
  return undefined;
}

function hintFor(code: string): string | undefined {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free some space and run the command again (work written so far is kept)';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'choose a path you can write to, or fix its permissions';
    case 'ENOTDIR':
      return 'a file stands where a folder is needed: choose another path';
    default:
      return undefined;
  }
}

/** True for "the reader went away" (`heldout … | head -1`): the command ends quietly. */
export function isBrokenPipe(err: unknown): boolean {
  return (err as SystemError | undefined)?.code === 'EPIPE';
}
