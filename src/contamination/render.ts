import type { TextResult } from './check/result.js';
import type { RuleName, Verdict } from './check/rules.js';
import { coverageHeadline, coverageLines } from './coverage.js';
import type { CheckResult } from './run-check.js';

/** Terminal and Markdown views of a check result. The JSON is the full record; these are summaries. */

const SHORT: Record<RuleName, string> = { 'gpt3-13gram': 'gpt3', 'palm-8gram-70': 'palm', 'gpt4-50char': 'gpt4' };
const MARK: Record<Verdict, string> = { clean: 'clean', contaminated: 'CONTAM', 'not-comparable': 'n/c' };

function bestMatch(r: TextResult): string {
  const m = r.matches.find((x) => x.rule !== 'template') ?? r.matches[0];
  if (!m) return '';
  return `${m.itemId} (${m.rule}, ${m.shared} shared)`;
}

function rows(results: TextResult[], rules: RuleName[]): string[][] {
  return results.map((r) => [
    r.id,
    ...rules.map((rule) => MARK[r.verdicts[rule] ?? 'not-comparable']),
    r.templateMatch ? 'yes' : '',
    String(r.overlap.longestRun),
    bestMatch(r),
  ]);
}

function summaryLine(res: CheckResult): string {
  const s = res.summary;
  const parts = [coverageHeadline(s.coverage, 'item', 'contaminated')];
  if (s.templateMatches) parts.push(`${s.templateMatches} template match(es)`);
  if (s.answers) parts.push(`answers: ${coverageHeadline(s.answers.coverage, 'answer', 'reproduce a solution')}`);
  return parts.join('; ');
}

/** Per rule, what was compared and what was not (and why): "clean" means only the compared ones. */
function coverageBlock(res: CheckResult): string[] {
  const out = [`items (${res.summary.items}), per rule:`, ...coverageLines(res.summary.coverage).map((l) => `  ${l}`)];
  if (res.summary.answers) {
    out.push(
      `answers (${res.summary.answers.total}, against benchmark solutions), per rule:`,
      ...coverageLines(res.summary.answers.coverage).map((l) => `  ${l}`),
    );
  }
  return out;
}

export function sourcesLine(res: CheckResult): string {
  return res.sources
    .map(
      (s) =>
        `${s.label} (${s.name}${s.split ? `/${s.split}` : s.splits.length > 1 ? `: ${s.splits.join('+')}` : ''}, ${s.count} items)`,
    )
    .join(', ');
}

/** A compact aligned table: one row per item, then per answer, then a summary. */
export function renderCheckTable(
  res: CheckResult,
  table: (rows: (string | number)[][], header: string[]) => string,
): string {
  const header = ['item', ...res.rules.map((r) => SHORT[r]), 'template', 'longest run', 'closest match'];
  const out: string[] = [];
  out.push(`benchmarks: ${sourcesLine(res)}`);
  out.push(`rules: ${res.rules.join(', ')} (n = ${res.n}${res.nMode === 'auto' ? ', auto' : ''})`);
  out.push('');
  out.push(table(rows(res.items, res.rules), header));
  if (res.answers) {
    out.push('');
    out.push(table(rows(res.answers, res.rules), ['answer', ...header.slice(1)]));
  }
  const flagged = [...res.items, ...(res.answers ?? [])].filter((r) => r.matches.length > 0);
  for (const r of flagged.filter((x) => Object.values(x.verdicts).includes('contaminated') || x.templateMatch)) {
    const m = r.matches[0];
    const span = [...m.spans].sort((a, b) => b.end - b.start - (a.end - a.start))[0];
    const sim = m.similarity ? ` dice ${m.similarity.dice}` : '';
    const conf = m.confirm
      ? ` · ${m.confirm.model}: ${m.confirm.same === null ? '?' : m.confirm.same ? 'same problem' : 'different'}`
      : '';
    out.push(`  ${r.id} ≈ ${m.bench} ${m.itemId}${sim}${conf}: “${truncate(span?.text ?? '', 100)}”`);
  }
  for (const s of res.sources) {
    if (s.badLines)
      out.push(
        `warning: ${s.label}: skipped ${s.badLines} malformed record(s), first at ${s.badLineSamples[0].file}:${s.badLineSamples[0].line}`,
      );
  }
  out.push('');
  out.push(...coverageBlock(res));
  const fired = firedRules(res);
  out.push(
    `${summaryLine(res)} → ${res.contaminated ? `CONTAMINATED (exit 2)${fired.length ? `: ${fired.join(', ')}` : ''}` : 'clean (exit 0) where compared'}`,
  );
  return out.join('\n');
}

/** The rules that found something, with how many texts each flagged: `gpt3-13gram (2), template (1)`. */
export function firedRules(res: CheckResult): string[] {
  const all = [...res.items, ...(res.answers ?? [])];
  const out: string[] = [];
  for (const rule of res.rules) {
    const n = all.filter((r) => r.verdicts[rule] === 'contaminated').length;
    if (n) out.push(`${rule} (${n})`);
  }
  const t = all.filter((r) => r.templateMatch).length;
  if (t) out.push(`template (${t})`);
  return out;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Markdown for a pull-request comment. */
export function renderCheckMarkdown(res: CheckResult): string {
  const icon = (v: Verdict | undefined) =>
    v === 'contaminated' ? '❌ contaminated' : v === 'clean' ? '✅ clean' : '⚠️ not comparable';
  const lines: string[] = [];
  lines.push(`### heldout contamination check: ${res.contaminated ? '❌ contaminated' : '✅ clean'}`);
  lines.push('');
  lines.push(
    `${summaryLine(res)}. Benchmarks: ${mdCell(sourcesLine(res))}. Rules: ${res.rules.map((r) => `\`${r}\``).join(', ')} (n = ${res.n}).`,
  );
  lines.push('');
  for (const l of coverageBlock(res)) lines.push(l.startsWith('  ') ? `- ${mdCell(l.trim())}` : `\n${mdCell(l)}\n`);
  lines.push('');
  const table = (results: TextResult[], head: string) => {
    lines.push(
      `| ${head} | ${res.rules.map((r) => `\`${r}\``).join(' | ')} | template | longest run | closest match |`,
    );
    lines.push(`| --- | ${res.rules.map(() => '---').join(' | ')} | --- | --- | --- |`);
    for (const r of results) {
      lines.push(
        `| ${mdCell(r.id)} | ${res.rules.map((rule) => icon(r.verdicts[rule])).join(' | ')} | ${r.templateMatch ? '⚠️ yes' : 'no'} | ${r.overlap.longestRun} | ${mdCell(bestMatch(r))} |`,
      );
    }
    lines.push('');
  };
  const interesting = res.items.filter(
    (r) => r.matches.length > 0 || Object.values(r.verdicts).some((v) => v !== 'clean'),
  );
  if (interesting.length) table(interesting, 'item');
  else lines.push(`All ${res.items.length} items were compared and are clean under every rule.\n`);
  if (res.answers?.length) {
    const flagged = res.answers.filter((r) => r.matches.length > 0);
    const c = res.summary.answers?.coverage;
    if (flagged.length) table(flagged, 'answer');
    else
      lines.push(
        `No model answer among the ${c ? c.texts - c.comparedByNoRule : res.answers.length} compared reproduces a benchmark solution${c?.comparedByNoRule ? ` (${c.comparedByNoRule} of ${c.texts} could not be compared by any rule)` : ''}.\n`,
      );
  }
  for (const r of [...res.items, ...(res.answers ?? [])]) {
    const m = r.matches[0];
    if (!m) continue;
    const span = [...m.spans].sort((a, b) => b.end - b.start - (a.end - a.start))[0];
    if (span)
      lines.push(
        `- **${mdCell(r.id)}** ≈ \`${m.bench}\` \`${mdCell(m.itemId)}\`: “${mdCell(truncate(span.text, 160))}”`,
      );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
