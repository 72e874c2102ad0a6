import type { LintResult } from '../exam/lint-findings.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const useColor = () => process.stdout.isTTY && !process.env.NO_COLOR;
export const paint = {
  red: (s: string) => (useColor() ? `\x1b[31m${s}\x1b[0m` : s),
  yellow: (s: string) => (useColor() ? `\x1b[33m${s}\x1b[0m` : s),
  green: (s: string) => (useColor() ? `\x1b[32m${s}\x1b[0m` : s),
  dim: (s: string) => (useColor() ? `\x1b[2m${s}\x1b[0m` : s),
  bold: (s: string) => (useColor() ? `\x1b[1m${s}\x1b[0m` : s),
};

export function printLint(results: LintResult[]): void {
  for (const r of results) {
    for (const f of r.findings) {
      const tag = f.severity === 'error' ? paint.red('error') : paint.yellow('warning');
      process.stdout.write(`${f.where}: ${tag} ${f.message} ${paint.dim(`[${f.rule}]`)}\n`);
    }
  }
  const errors = results.reduce((s, r) => s + r.errors, 0);
  const warnings = results.reduce((s, r) => s + r.warnings, 0);
  const files = results.map((r) => r.file).join(', ');
  if (errors === 0 && warnings === 0) process.stdout.write(`${paint.green('✓')} ${files}: clean\n`);
  else process.stdout.write(`${files}: ${errors} error(s), ${warnings} warning(s)\n`);
}

/** A plain aligned table for terminals and CI logs. */
export function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(all[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}
