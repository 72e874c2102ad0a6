import { figureDataUri } from '../exam/figures.js';
import { partMaxPoints } from '../exam/model.js';
import type { Answer, Exam, Question, Rubric, RubricTarget, SubPart } from '../exam/schema.js';
import { anchorId } from '../html/escape.js';
import { loadMathRenderer } from '../html/math.js';
import { createEngine, readTemplate, renderPage } from './templates.js';

/** One question or sub-part as the rubric author sees it, with its marking when it is a unit. */
export interface PreviewNode {
  id: string;
  anchor: string;
  /** "3", "13 b", … */
  label: string;
  text: string;
  points: number;
  reference?: string;
  answer?: string;
  notes?: string;
  children: PreviewNode[];
  /** Only for units (nodes without sub-parts). */
  marking?: PreviewMarking;
  /** Lint findings about this question or sub-part, shown beside it. */
  findings: PreviewFinding[];
  /** Figures as data: URIs (undefined src: the file is missing or unusable; lint says why). */
  figures: { file: string; alt: string; src?: string }[];
}

export interface PreviewFinding {
  severity: 'error' | 'warning';
  where: string;
  message: string;
  rule: string;
}

export interface PreviewMarking {
  present: boolean;
  notes?: string;
  items: { id: string; points: number; criterion: string; requires: string[]; auto: boolean }[];
  caps: { id: string; criterion: string; max: number; unless: string[] }[];
  itemPoints: number;
  /** Item points do not add up to the unit's points. */
  mismatch: boolean;
}

export interface RubricPreviewModel {
  examId: string;
  title: string;
  language: string;
  released: string;
  source?: string;
  licence?: string;
  instructions?: string;
  points: number;
  rubricFile?: string;
  rubricNotes?: string;
  toolVersion: string;
  units: number;
  unitsWithoutMarking: string[];
  /** Rubric targets that name no unit of the exam. */
  unknownTargets: string[];
  parts: {
    id: string;
    title: string;
    points: number;
    choose?: string;
    questions: PreviewNode[];
  }[];
  /** Lint findings that concern no single question (the whole file), and the counts. */
  findings: PreviewFinding[];
  lint?: { errors: number; warnings: number };
}

export function formatAnswer(a: Answer): string {
  const value = Array.isArray(a.value) ? a.value.join(', ') : String(a.value);
  const tol = a.tolerance !== undefined ? ` (± ${a.tolerance})` : '';
  const vars = a.variables?.length ? ` in ${a.variables.join(', ')}` : '';
  return `${a.kind}: ${a.kind === 'set' ? `{${value}}` : a.kind === 'tuple' ? `(${value})` : value}${tol}${vars}`;
}

function marking(target: RubricTarget | undefined, points: number): PreviewMarking {
  const items = (target?.items ?? []).map((i) => ({
    id: i.id,
    points: i.points,
    criterion: i.criterion,
    requires: i.requires ?? [],
    auto: i.auto === true,
  }));
  const itemPoints = items.reduce((s, i) => s + i.points, 0);
  return {
    present: target !== undefined,
    notes: target?.notes,
    items,
    caps: (target?.caps ?? []).map((c) => ({ id: c.id, criterion: c.criterion, max: c.max, unless: c.unless ?? [] })),
    itemPoints,
    mismatch: target !== undefined && itemPoints !== points,
  };
}

/** Pure: the exam and its rubric as one reviewable tree. */
export function buildRubricPreviewModel(
  exam: Exam,
  rubric: Rubric | undefined,
  meta: {
    toolVersion: string;
    rubricFile?: string;
    findings?: (PreviewFinding & { target?: string })[];
    /** Where figure files are read from. */
    examDir?: string;
  },
): RubricPreviewModel {
  const all = meta.findings ?? [];
  const plain = (f: PreviewFinding) => ({ severity: f.severity, where: f.where, message: f.message, rule: f.rule });
  const placed = new Set<string>();
  const used = new Set<string>();
  const missing: string[] = [];
  let units = 0;
  const node = (n: Question | SubPart, labels: string[]): PreviewNode => {
    const here = [...labels, 'number' in n ? n.number : (n.label ?? n.id)];
    const children = (n.subparts ?? []).map((c) => node(c, here));
    const out: PreviewNode = {
      id: n.id,
      anchor: anchorId('q', n.id),
      label: here.join(' '),
      text: n.text,
      points: n.points,
      reference: n.reference,
      answer: n.answer ? formatAnswer(n.answer) : undefined,
      notes: 'notes' in n ? n.notes : undefined,
      children,
      findings: all.filter((f) => f.target === n.id).map(plain),
      figures: (n.figures ?? []).map((f) => ({
        file: f.file,
        alt: f.alt,
        src: meta.examDir ? figureDataUri(meta.examDir, f) : undefined,
      })),
    };
    placed.add(n.id);
    if (!children.length) {
      units++;
      const target = rubric?.marking[n.id];
      if (target) used.add(n.id);
      else missing.push(n.id);
      out.marking = marking(target, n.points);
    }
    return out;
  };
  const parts = exam.parts.map((p) => ({
    id: p.id,
    title: p.title,
    points: partMaxPoints(p),
    choose: p.choose
      ? `answer ${p.choose.count} of ${p.questions.length}; ${p.choose.policy === 'best' ? 'the best-scored count' : 'the first answered count'}`
      : undefined,
    questions: p.questions.map((q) => node(q, [])),
  }));
  return {
    examId: exam.id,
    title: exam.title,
    language: exam.language,
    released: exam.released,
    source: exam.source,
    licence: exam.licence,
    instructions: exam.instructions,
    points: parts.reduce((s, p) => s + p.points, 0),
    rubricFile: meta.rubricFile,
    rubricNotes: rubric?.notes,
    toolVersion: meta.toolVersion,
    units,
    unitsWithoutMarking: rubric ? missing : [],
    unknownTargets: rubric ? Object.keys(rubric.marking).filter((k) => !used.has(k)) : [],
    parts,
    findings: all.filter((f) => !f.target || !placed.has(f.target)).map(plain),
    ...(meta.findings
      ? {
          lint: {
            errors: all.filter((f) => f.severity === 'error').length,
            warnings: all.filter((f) => f.severity === 'warning').length,
          },
        }
      : {}),
  };
}

export async function renderRubricPreview(model: RubricPreviewModel): Promise<string> {
  const hb = createEngine(await loadMathRenderer());
  hb.registerPartial('node', readTemplate('rubric-node.hbs'));
  hb.registerPartial('figure', readTemplate('figure.hbs').trimEnd());
  const body = hb.compile(readTemplate('rubric.hbs'))(model);
  return renderPage({ title: `Rubric preview: ${model.title}`, body: body as never });
}
