import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HeldoutError } from '../errors.js';
import { displayPath, readText } from '../io/files.js';
import { type Exam, examSchema, type Rubric, rubricSchema } from './schema.js';
import { parseSource, type SourceDoc, validate } from './source.js';

export interface LoadedExam {
  exam: Exam;
  /** The exam directory. */
  dir: string;
  file: string;
  doc: SourceDoc;
}

export interface LoadedRubric {
  rubric: Rubric;
  file: string;
  doc: SourceDoc;
}

const EXAM_FILES = ['exam.yaml', 'exam.yml', 'exam.json'];

/** Accepts an exam directory or the exam file itself. */
export function findExamFile(pathArg: string): string {
  const path = resolve(pathArg);
  if (!existsSync(path)) throw new HeldoutError('exam directory not found', { where: displayPath(path) });
  if (statSync(path).isFile()) return path;
  for (const name of EXAM_FILES) {
    const f = join(path, name);
    if (existsSync(f)) return f;
  }
  throw new HeldoutError('no exam.yaml, exam.yml or exam.json in this directory', {
    where: displayPath(path),
    hint: 'create one (see docs/formats.md) or run `heldout exam import`',
  });
}

export function loadExamDoc(pathArg: string): SourceDoc {
  const file = findExamFile(pathArg);
  return parseSource(readText(file, 'exam file'), file);
}

export function loadExam(pathArg: string): LoadedExam {
  const file = findExamFile(pathArg);
  const doc = parseSource(readText(file, 'exam file'), file);
  return { exam: validate(examSchema, doc, 'exam'), dir: dirname(file), file, doc };
}

/**
 * The rubric lives apart from the exam: `<exam-dir>/rubric.yaml`, or `rubrics/<exam-id>.yaml` in the exam dir's
 * ancestors (the repo layout `exams/<id>/` + `rubrics/<id>.yaml`).
 */
export function findRubricFile(examDir: string, examId: string): string | undefined {
  for (const name of ['rubric.yaml', 'rubric.yml', 'rubric.json']) {
    const f = join(examDir, name);
    if (existsSync(f)) return f;
  }
  let dir = resolve(examDir);
  for (let i = 0; i < 6; i++) {
    for (const ext of ['yaml', 'yml', 'json']) {
      const f = join(dir, 'rubrics', `${examId}.${ext}`);
      if (existsSync(f)) return f;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** Where `rubric new` writes by default: next to the exams/ folder if there is one. */
export function defaultRubricPath(examDir: string, examId: string): string {
  const dir = resolve(examDir);
  const parent = dirname(dir);
  if (parent.endsWith('exams')) return join(dirname(parent), 'rubrics', `${examId}.yaml`);
  return join(dir, 'rubric.yaml');
}

export function loadRubricDoc(loaded: LoadedExam, rubricPath?: string): SourceDoc {
  const file = rubricPath ? resolve(rubricPath) : findRubricFile(loaded.dir, loaded.exam.id);
  if (!file) {
    throw new HeldoutError(`no rubric found for exam "${loaded.exam.id}"`, {
      where: displayPath(loaded.dir),
      hint: `expected rubrics/${loaded.exam.id}.yaml or ${displayPath(join(loaded.dir, 'rubric.yaml'))}; run \`heldout rubric new ${displayPath(loaded.dir)}\``,
    });
  }
  return parseSource(readText(file, 'rubric file'), file);
}

/** A rubric with no marking scheme: scoring imported totals needs none. */
export function emptyRubric(examId: string): LoadedRubric {
  const file = '(no rubric)';
  return {
    rubric: { exam: examId, marking: {} },
    file,
    doc: parseSource(`exam: ${JSON.stringify(examId)}\nmarking: {}\n`, file),
  };
}

export function loadRubric(loaded: LoadedExam, rubricPath?: string): LoadedRubric {
  const doc = loadRubricDoc(loaded, rubricPath);
  const rubric = validate(rubricSchema, doc, 'rubric');
  if (rubric.exam !== loaded.exam.id) {
    throw new HeldoutError(`this rubric is for exam "${rubric.exam}", not "${loaded.exam.id}"`, {
      where: doc.locate(['exam']),
      hint: 'pass the right rubric with --rubric, or fix the `exam:` field',
    });
  }
  return { rubric, file: doc.file, doc };
}
