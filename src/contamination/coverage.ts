/**
 * What a check actually compared, per rule: a verdict of "clean" means something only for the texts a rule could
 * compare. Headlines and the report say how many texts each rule compared, how many it could not, and why.
 */

export interface RuleCoverage {
  rule: string;
  /** Texts the rule compared (clean or contaminated). */
  compared: number;
  contaminated: number;
  notComparable: number;
  /** Why texts were not comparable, most frequent first: `shorter than n`, `other language`, … */
  reasons: { reason: string; count: number }[];
}

export interface Coverage {
  texts: number;
  rules: RuleCoverage[];
  /** Texts no rule could compare: nothing at all is known about them. */
  comparedByNoRule: number;
  /** Texts some rule compared and none found contaminated: the only texts that may be called clean. */
  cleanCompared: number;
  contaminated: number;
}

interface Judged {
  verdicts: Partial<Record<string, string>>;
  reasons?: Partial<Record<string, string>>;
}

/** A reason's kind, without the numbers that make every text's reason unique. */
export function reasonKind(reason: string): string {
  const r = reason.trim();
  if (/^empty$/.test(r)) return 'empty';
  if (/^shorter than n\b/.test(r)) return 'shorter than n words';
  if (/^shorter than \d+ characters/.test(r) || r === 'too short') return 'too few letters and digits';
  if (/^language\b/.test(r)) return 'other language than the benchmark';
  if (/^no benchmark/.test(r)) return 'no benchmark to compare with';
  return r;
}

export function coverage(results: Judged[], rules: string[]): Coverage {
  const perRule: RuleCoverage[] = rules.map((rule) => {
    const reasons = new Map<string, number>();
    let compared = 0;
    let contaminated = 0;
    let notComparable = 0;
    for (const r of results) {
      const v = r.verdicts[rule] ?? 'not-comparable';
      if (v === 'not-comparable') {
        notComparable++;
        const why = r.reasons?.[rule] ?? 'not comparable';
        for (const kind of new Set(why.split('; ').map(reasonKind))) reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
      } else {
        compared++;
        if (v === 'contaminated') contaminated++;
      }
    }
    return {
      rule,
      compared,
      contaminated,
      notComparable,
      reasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    };
  });
  const anyCompared = (r: Judged) => rules.some((rule) => (r.verdicts[rule] ?? 'not-comparable') !== 'not-comparable');
  const isContaminated = (r: Judged) => rules.some((rule) => r.verdicts[rule] === 'contaminated');
  return {
    texts: results.length,
    rules: perRule,
    comparedByNoRule: results.filter((r) => !anyCompared(r)).length,
    cleanCompared: results.filter((r) => anyCompared(r) && !isContaminated(r)).length,
    contaminated: results.filter(isContaminated).length,
  };
}

/** One line per rule: `gpt3-13gram: 23 of 54 compared, 0 contaminated; 31 not comparable (20 shorter than n words, …)`. */
export function coverageLines(c: Coverage): string[] {
  return c.rules.map((r) => {
    const nc = r.notComparable
      ? `; ${r.notComparable} not comparable (${r.reasons.map((x) => `${x.count} ${x.reason}`).join(', ')})`
      : '';
    return `${r.rule}: ${r.compared} of ${c.texts} compared, ${r.contaminated} contaminated${nc}`;
  });
}

/** The honest headline: "clean" only of what some rule compared. */
export function coverageHeadline(c: Coverage, noun: string, contaminatedVerb: string): string {
  if (c.texts === 0) return `no ${noun}s`;
  const parts = [`${c.contaminated} of ${c.texts} ${noun}s ${contaminatedVerb}`];
  parts.push(`${c.cleanCompared} compared and clean`);
  if (c.comparedByNoRule) parts.push(`${c.comparedByNoRule} compared by no rule`);
  return parts.join(', ');
}
