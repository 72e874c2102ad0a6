import { resolve } from 'node:path';
import { type ContentVersions, changedParts, type UnitVersion, type VersionPart } from '../exam/versions.js';
import type { GradeRecord, GradeVersion } from '../store/records.js';

/**
 * Grades carry the content versions they were made under. Every grader (auto, judges, people, sheets) writes
 * through `GradeWriter`/`appendGrades` after loading the run with `loadRunContext`, which remembers the versions it
 * loaded for that run directory; the writer stamps each grade that does not carry its own.
 */
const loaded = new Map<string, ContentVersions>();

export function rememberRunVersions(runDir: string, versions: ContentVersions): void {
  loaded.set(resolve(runDir), versions);
}

export function gradeVersion(versions: ContentVersions, unitId: string): GradeVersion | undefined {
  const unit = versions.units.get(unitId);
  if (!unit) return undefined;
  return { exam: versions.exam, ...(versions.rubric ? { rubric: versions.rubric } : {}), unit };
}

/** The grade with `version` set from the run's loaded versions (unchanged if it has one, or none is known). */
export function stampGrade(runDir: string, g: GradeRecord): GradeRecord {
  if (g.version) return g;
  const versions = loaded.get(resolve(runDir));
  const version = versions && gradeVersion(versions, g.unitId);
  return version ? { ...g, version } : g;
}

export interface StaleGrade {
  grade: GradeRecord;
  /** What changed since the grade was made. */
  parts: VersionPart[];
}

/**
 * The recorded version of a grade: its own, else what the run recorded when it was made (`manifest.versions`, for
 * grades imported with the answers), else unknown. Unknown is not stale: runs graded before versions existed keep
 * scoring, and `heldout regrade --all` regrades them if in doubt.
 */
export function recordedUnitVersion(
  g: GradeRecord,
  manifestUnits?: Record<string, Partial<UnitVersion>>,
): Partial<UnitVersion> | undefined {
  return g.version?.unit ?? manifestUnits?.[g.unitId];
}

/** Grades made under another version of their unit than the current one. */
export function staleGrades(
  grades: GradeRecord[],
  current: ContentVersions,
  manifestUnits?: Record<string, Partial<UnitVersion>>,
): StaleGrade[] {
  const out: StaleGrade[] = [];
  for (const g of grades) {
    const now = current.units.get(g.unitId);
    const then = recordedUnitVersion(g, manifestUnits);
    if (!now || !then) continue;
    const parts = changedParts(then, now);
    if (parts.length) out.push({ grade: g, parts });
  }
  return out;
}

/** The unit versions a run recorded in its manifest (`versions.units`), if any. */
export function manifestUnitVersions(manifest: unknown): Record<string, Partial<UnitVersion>> | undefined {
  const v = (manifest as { versions?: { units?: unknown } } | undefined)?.versions?.units;
  return v && typeof v === 'object' ? (v as Record<string, Partial<UnitVersion>>) : undefined;
}

/** "2b (question, rubric), 3 (key)": units and what changed, in the order given. */
export function describeStale(stale: StaleGrade[], order: string[]): string {
  const byUnit = new Map<string, Set<VersionPart>>();
  for (const s of stale) {
    const set = byUnit.get(s.grade.unitId) ?? new Set();
    for (const p of s.parts) set.add(p);
    byUnit.set(s.grade.unitId, set);
  }
  const rank = new Map(order.map((id, i) => [id, i]));
  return [...byUnit]
    .sort(([a], [b]) => (rank.get(a) ?? 1e9) - (rank.get(b) ?? 1e9))
    .map(([id, parts]) => `${id} (${[...parts].join(', ')} changed)`)
    .join(', ');
}
