import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { HeldoutError } from '../errors.js';
import { defaultRubricPath, findRubricFile, type LoadedExam } from './load.js';
import { examUnits } from './model.js';
import { displayPath } from './source.js';

export function rubricSkeleton(loaded: LoadedExam) {
  const marking: Record<string, unknown> = {};
  for (const unit of examUnits(loaded.exam)) {
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

export function writeRubricSkeleton(loaded: LoadedExam, opts: { out?: string; force?: boolean }): string {
  const existing = opts.out ? undefined : findRubricFile(loaded.dir, loaded.exam.id);
  const target = resolve(opts.out ?? existing ?? defaultRubricPath(loaded.dir, loaded.exam.id));
  if (existsSync(target) && !opts.force) {
    throw new HeldoutError('a rubric already exists here', {
      where: displayPath(target),
      hint: 'pass --force to overwrite it',
    });
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, stringify(rubricSkeleton(loaded), { lineWidth: 0 }));
  return displayPath(target);
}
