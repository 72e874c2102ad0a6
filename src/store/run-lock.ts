import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';

/**
 * One writer per run directory. `heldout run` (and --resume) and every grader that writes grades.jsonl hold
 * `<run-dir>/heldout.lock` while they write: two `run --resume` at once both made every call (the API spend doubled)
 * and lost one resume from the manifest. The file says who holds it (PID, host, command, since when); a lock whose
 * process is gone (a crash, kill -9) is stale and taken over. Within one process the lock is re-entrant.
 */

export const LOCK_FILE = 'heldout.lock';

export interface LockInfo {
  pid: number;
  host: string;
  /** What holds it, e.g. `run --resume`, `grade --judge`. */
  command: string;
  since: string;
}

export interface RunLock {
  file: string;
  /** True when a stale lock (a crashed process) was taken over. */
  recovered?: LockInfo;
  release(): void;
}

const held = new Map<string, { count: number; info: LockInfo }>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid !== 'number') return undefined;
    return {
      pid: v.pid,
      host: String(v.host ?? ''),
      command: String(v.command ?? 'heldout'),
      since: String(v.since ?? ''),
    };
  } catch {
    return undefined;
  }
}

function isStale(info: LockInfo | undefined): boolean {
  // A lock without readable content is a crash between create and write; one from another host cannot be checked.
  if (!info) return true;
  return info.host === hostname() && !alive(info.pid);
}

/** Takes the run directory's lock or throws a HeldoutError naming the process that holds it. */
export function acquireRunLock(runDir: string, command: string): RunLock {
  const file = join(runDir, LOCK_FILE);
  const mine = held.get(file);
  if (mine) {
    mine.count++;
    return { file, release: () => release(file) };
  }
  const info: LockInfo = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  let recovered: LockInfo | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const other = readLock(file);
      if (!isStale(other)) throw lockedError(runDir, file, other!);
      // Move the stale lock aside atomically; if what moved is not the stale lock (another process took over
      // in between), put it back and look again.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (moved && other && moved.pid !== other.pid) {
        try {
          renameSync(aside, file);
        } catch {
          // It was replaced again meanwhile: the next attempt sees the current holder.
        }
        continue;
      }
      rmSync(aside, { force: true });
      recovered = other ?? { pid: 0, host: '', command: 'unknown', since: '' };
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(info)}\n`);
    } finally {
      closeSync(fd);
    }
    held.set(file, { count: 1, info });
    return { file, ...(recovered ? { recovered } : {}), release: () => release(file) };
  }
  const other = readLock(file);
  throw other
    ? lockedError(runDir, file, other)
    : new HeldoutError('could not take the run lock', { where: displayPath(file) });
}

function release(file: string): void {
  const mine = held.get(file);
  if (!mine) return;
  if (--mine.count > 0) return;
  held.delete(file);
  // Remove it only if it is still ours.
  if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
}

// A crash by an exception still runs 'exit' handlers: leave no lock behind. (kill -9 does; that lock is stale.)
process.once('exit', () => {
  for (const file of [...held.keys()]) {
    held.set(file, { ...held.get(file)!, count: 1 });
    release(file);
  }
});

function lockedError(runDir: string, file: string, other: LockInfo): HeldoutError {
  const where = other.host && other.host !== hostname() ? ` on host ${other.host}` : '';
  const since = other.since ? `, since ${other.since.slice(0, 19).replace('T', ' ')} UTC` : '';
  return new HeldoutError(
    `the run is in use by another heldout process: PID ${other.pid}${where} (${other.command}${since})`,
    {
      where: displayPath(runDir),
      hint: `wait for it to finish or stop it; if no such process runs, delete ${displayPath(file)}`,
    },
  );
}
