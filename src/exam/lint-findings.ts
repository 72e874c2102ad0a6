/** What `exam lint` and `rubric lint` report: findings with where they stand, and their counts. */

export type Severity = 'error' | 'warning';

export interface LintFinding {
  severity: Severity;
  rule: string;
  where: string;
  message: string;
  /** The question or sub-part id the finding concerns, when it concerns one (the live preview shows it there). */
  target?: string;
}

export interface LintResult {
  file: string;
  findings: LintFinding[];
  errors: number;
  warnings: number;
}

export function lintResult(file: string, findings: LintFinding[]): LintResult {
  return {
    file,
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
}
