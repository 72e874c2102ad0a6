import type { Html } from '../../html/escape.js';
import type { GradeRecord } from '../../store/records.js';

/**
 * What the grading server and its page exchange. This module has no Node imports: the browser bundle uses it too.
 */

export type DeskMode = 'grade' | 'adjudicate';
export const deskFilters = ['all', 'todo', 'undetermined', 'disagreements', 'review', 'flagged'] as const;
export type DeskFilter = (typeof deskFilters)[number];

/** One row of the queue the page keeps: enough to navigate and filter without fetching every unit. */
export interface QueueEntry {
  /** Position in this grader's order. */
  i: number;
  /** "Q2 (a)" */
  label: string;
  /** This grader's state: 0 not graded, 1 graded, 2 graded and flagged. */
  s: 0 | 1 | 2;
  /** The checker could not decide. */
  u: boolean;
  /** Graders disagree on the total. */
  d: boolean;
}

/**
 * The queue as it travels: each distinct label once, and one number per unit (label index × 16 + state bits). For
 * 2,000 units that is ~8 KB instead of ~100 KB of objects, which the page parses on every load and every refresh.
 */
export interface QueueIndex {
  labels: string[];
  codes: number[];
}

export function encodeQueue(entries: readonly QueueEntry[]): QueueIndex {
  const labels: string[] = [];
  const number = new Map<string, number>();
  const codes = entries.map((e) => {
    let n = number.get(e.label);
    if (n === undefined) {
      n = labels.length;
      number.set(e.label, n);
      labels.push(e.label);
    }
    return n * 16 + e.s + (e.u ? 4 : 0) + (e.d ? 8 : 0);
  });
  return { labels, codes };
}

export function decodeQueue(q: QueueIndex): QueueEntry[] {
  return q.codes.map((c, i) => ({
    i,
    label: q.labels[Math.floor(c / 16)],
    s: (c & 3) as QueueEntry['s'],
    u: (c & 4) !== 0,
    d: (c & 8) !== 0,
  }));
}

/** `GET api/queue`: the queue now, and its version (also its ETag), so a page can poll for others' saves cheaply. */
export interface QueueReply {
  version: string;
  queue: QueueIndex;
}

export interface SessionView {
  grader: string;
  mode: DeskMode;
  review: boolean;
  blind: boolean;
  seed: number;
  exam: { id: string; title: string };
  notes?: Html;
  filter: DeskFilter;
  filters: readonly DeskFilter[];
  /** Where this grader stopped: the first unit (in the filter) they have not graded. */
  start: number;
  queue: QueueEntry[];
  /** The grade log's version this queue reflects (see QueueReply). */
  version: string;
}

/** The session as `api/session` and the page's boot data carry it: the queue compact. */
export type SessionWire = Omit<SessionView, 'queue'> & { queue: QueueIndex };

export const sessionToWire = (s: SessionView): SessionWire => ({ ...s, queue: encodeQueue(s.queue) });
export const sessionFromWire = (s: SessionWire): SessionView => ({ ...s, queue: decodeQueue(s.queue) });

/** A figure of the question or sub-part: `src` is a URL under the page's token, absent when the file is unusable. */
export interface FigureView {
  alt: string;
  file: string;
  src?: string;
}

export interface GraderView {
  id: string;
  kind: string;
  status: string;
  total: number;
  maxPoints: number;
  items: Record<string, { points: number; reason?: string }>;
  caps: string[];
  comment?: string;
  note?: string;
}

export interface UnitView {
  i: number;
  key: string;
  label: string;
  answerId: string;
  /** Only when not blind. */
  model?: string;
  sample?: number;
  maxPoints: number;
  question: Html;
  part?: Html;
  questionFigures?: FigureView[];
  partFigures?: FigureView[];
  reference?: Html;
  notes?: Html;
  answer: Html;
  answerNote?: string;
  items: { id: string; points: number; criterion: Html; requires?: string[] }[];
  caps: { id: string; max: number; criterion: Html; unless?: string[] }[];
  mine?: GraderView & { flagged: boolean; at: string };
  /** The checker's and judges' verdicts: after this grader decided, or in review mode. */
  revealed?: {
    beforeDecision: boolean;
    checker?: GraderView & { verdict?: GradeRecord['verdict'] };
    judges: GraderView[];
  };
  /** Adjudication: every grade that takes part in the disagreement. */
  graders?: GraderView[];
}

export function matches(e: QueueEntry, filter: DeskFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'todo':
      return e.s === 0;
    case 'undetermined':
      return e.u;
    case 'disagreements':
      return e.d;
    case 'review':
      return e.s === 0 && (e.u || e.d);
    case 'flagged':
      return e.s === 2;
  }
}

/** The server's answer to a save: the grade as recorded, and the machine verdicts now that the grader decided. */
export interface SaveReply {
  ok: true;
  /** False when the grade repeats this grader's current one (nothing appended). */
  written: boolean;
  total: number;
  maxPoints: number;
  at: string;
  revealed?: UnitView['revealed'];
}
