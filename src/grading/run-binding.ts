import { basename, resolve } from 'node:path';
import { sha256 } from '../io/hash.js';
import type { GradeRecord } from '../store/records.js';
import { loadRunManifest, loadRunResponses } from '../store/run.js';

/**
 * Grades are bound to the run and to the answer they mark: every grade record carries the run's id and the SHA-256
 * of the answer text, and so does every exported grading sheet. A non-blind sheet from another run of the same
 * model spec has the same answer ids (`model|question|sample`): without the binding, its grades attached to other
 * answers. Import refuses rows from another run, or whose answer changed, by line.
 */

/** The run's id: the manifest's `id` (else the folder name), with its start time, so re-runs differ. */
export function runIdentity(runDir: string): string {
  const m = loadRunManifest(runDir);
  return `${m.id || basename(resolve(runDir))}@${m.startedAt}`;
}

/** `sha256:` and the first 16 hex digits of the answer text's SHA-256. */
export function answerHash(text: string): string {
  return `sha256:${sha256(text).slice(0, 16)}`;
}

/** Adds `runId` and `answerHash` to grade records of one run (records that have them keep theirs). */
export class GradeBinder {
  private runId?: string;
  private hashes?: Map<string, string>;
  constructor(private readonly runDir: string) {}

  bind(g: GradeRecord): GradeRecord {
    this.runId ??= runIdentity(this.runDir);
    this.hashes ??= new Map(
      loadRunResponses(this.runDir)
        .filter((r) => r.text !== undefined)
        .map((r) => [r.id, answerHash(r.text!)]),
    );
    const hash = g.answerHash ?? this.hashes.get(g.responseId);
    return { ...g, runId: g.runId ?? this.runId, ...(hash ? { answerHash: hash } : {}) };
  }
}
