import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { defaultRubricPath, findRubricFile, type LoadedExam } from './load.js';
import { guideItems, type ParsedGuide, readMarkingGuide } from './marking-guide.js';
import { examUnits } from './model.js';

export function rubricSkeleton(loaded: LoadedExam, guide?: ParsedGuide) {
  const marking: Record<string, unknown> = {};
  for (const unit of examUnits(loaded.exam)) {
    const found = guide?.items.get(unit.id);
    if (found?.length) {
      marking[unit.id] = { items: guideItems(unit, found) };
      continue;
    }
    marking[unit.id] = {
      items: [
        {
          id: `${unit.id}.1`,
          points: unit.points,
          criterion: `TODO: what earns these ${unit.points} point(s) for ${unit.labels.join('')}`,
          ...(unit.answer ? { auto: true } : {}),
        },
      ],
    };
  }
  return { exam: loaded.exam.id, notes: 'TODO: general marking principles.', marking };
}

export interface SkeletonResult {
  file: string;
  /** With --from: units filled from the guide, units left as TODO, guide lines not placed, sums that differ. */
  fromGuide?: {
    filled: string[];
    todo: string[];
    unplaced: ParsedGuide['unplaced'];
    mismatched: { unit: string; guide: number; exam: number }[];
  };
}

export function writeRubricSkeleton(
  loaded: LoadedExam,
  opts: { out?: string; force?: boolean; from?: string },
): SkeletonResult {
  const existing = opts.out ? undefined : findRubricFile(loaded.dir, loaded.exam.id);
  const target = resolve(opts.out ?? existing ?? defaultRubricPath(loaded.dir, loaded.exam.id));
  if (existsSync(target) && !opts.force) {
    throw new HeldoutError('a rubric already exists here', {
      where: displayPath(target),
      hint: 'pass --force to overwrite it',
    });
  }
  const guide = opts.from ? readMarkingGuide(opts.from, loaded) : undefined;
  mkdirSync(dirname(target), { recursive: true });
  const header = guide
    ? `# Proposed from the marking guide ${displayPath(resolve(opts.from!))}: check every item, split or merge steps,\n# mark the items a correct final answer earns as \`auto: true\`, then run \`heldout rubric lint\`.\n`
    : '';
  writeFileSync(target, header + stringify(rubricSkeleton(loaded, guide), { lineWidth: 0 }));
  if (!guide) return { file: displayPath(target) };
  const units = examUnits(loaded.exam);
  return {
    file: displayPath(target),
    fromGuide: {
      filled: units.filter((u) => guide.items.has(u.id)).map((u) => u.id),
      todo: units.filter((u) => !guide.items.has(u.id)).map((u) => u.id),
      unplaced: guide.unplaced,
      mismatched: units
        .filter((u) => guide.items.has(u.id))
        .map((u) => ({ unit: u.id, guide: guide.items.get(u.id)!.reduce((a, i) => a + i.points, 0), exam: u.points }))
        .filter((m) => m.guide !== m.exam),
    },
  };
}
