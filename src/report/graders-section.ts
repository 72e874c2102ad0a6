import type { GradeRecord } from '../store/records.js';
import type { Empty, Hints } from './empty-section.js';
import { EXAMPLE_HUMAN_GRADER } from './fictional.js';
import type { AgreementInput, AgreementStatsInput } from './inputs.js';

/** The Graders section: who graded how much, and how far each pair of graders agrees. */

export interface GraderSummary {
  id: string;
  kind: string;
  units: number;
  ungraded: number;
  points: number;
  maxPoints: number;
  /** The demo's fictional example grader. */
  example?: boolean;
}

export interface PairView {
  a: string;
  b: string;
  /** A model judge compared with a human: the comparison readers look for first. */
  judgeVsHuman: boolean;
  items: AgreementStatsInput;
  questions: AgreementStatsInput;
  perQuestion: ({ id: string } & AgreementStatsInput)[];
}

export interface GradersSection {
  summaries: GraderSummary[];
  pairs: PairView[];
  empty?: Empty;
  disagreements: number;
}

/** `gradesByUnit` holds the current grades; `disagreements` counts the answer units where graders disagree. */
export function gradersSection(
  gradesByUnit: Map<string, GradeRecord[]>,
  agreement: AgreementInput | undefined,
  disagreements: number,
  hints: Hints,
): GradersSection {
  const summaries = new Map<string, GraderSummary>();
  for (const list of gradesByUnit.values()) {
    for (const g of list) {
      const s = summaries.get(g.grader.id) ?? {
        id: g.grader.id,
        kind: g.grader.kind,
        units: 0,
        ungraded: 0,
        points: 0,
        maxPoints: 0,
        example: g.grader.id === EXAMPLE_HUMAN_GRADER,
      };
      if (g.status === 'graded') {
        s.units++;
        s.points += g.total;
        s.maxPoints += g.maxPoints;
      } else s.ungraded++;
      summaries.set(g.grader.id, s);
    }
  }
  return {
    summaries: [...summaries.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id)),
    pairs: agreement ? pairViews(agreement) : [],
    disagreements,
    empty: summaries.size
      ? undefined
      : {
          message:
            'No grades yet. Check final answers automatically (or grade with a model judge: --judge <spec>; or import human grades: heldout grades import).',
          command: `heldout grade ${hints.runDir} --auto`,
        },
  };
}

function pairViews(agreement: AgreementInput): PairView[] {
  const kind = new Map(agreement.graders.map((g) => [g.id, g.kind]));
  return agreement.pairs
    .map((p) => {
      const kinds = new Set([kind.get(p.a), kind.get(p.b)]);
      return {
        a: p.a,
        b: p.b,
        judgeVsHuman: kinds.has('judge') && kinds.has('human'),
        items: p.overall.items,
        questions: p.overall.questions,
        perQuestion: p.questions,
      };
    })
    .sort((x, y) => Number(y.judgeVsHuman) - Number(x.judgeVsHuman));
}
