import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { HeldoutError } from '../errors.js';
import { answerSchema } from '../exam/schema.js';
import type { Verdict, VerdictOutcome } from '../store/records.js';
import { judgeReading } from './auto.js';
import { answersEqual } from './equivalence.js';
import { readUnitAnswers } from './extract.js';

/**
 * Answer-checking suites: realistic model responses, each with the verdict a careful human gives. Running the checker
 * over a suite measures what matters for trusting it: agreement with the human where both decide, false "correct"
 * verdicts, how often a right answer is left undetermined, and whether the answer a human reads was extracted.
 */

const expectSchema = z.object({
  verdict: z.enum(['correct', 'incorrect', 'undetermined']),
  extracted: z.union([z.string(), z.number()]).transform(String).optional(),
  why: z.string().optional(),
});
const partSchema = z.object({
  label: z.union([z.string(), z.number()]).transform(String),
  answer: answerSchema,
  expect: expectSchema,
});
const caseSchema = z
  .object({
    id: z.string(),
    style: z.string(),
    question: z.string(),
    response: z.string(),
    finishReason: z.string().optional(),
    answer: answerSchema.optional(),
    expect: expectSchema.optional(),
    parts: z.array(partSchema).min(1).optional(),
  })
  .refine((c) => (c.answer && c.expect && !c.parts) || (!c.answer && !c.expect && c.parts), {
    message: 'give either answer and expect, or parts',
  });
export type SuiteCase = z.infer<typeof caseSchema>;

export function loadAnswerSuite(dir: string): SuiteCase[] {
  const out: SuiteCase[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    const file = join(dir, f);
    const parsed = z.array(caseSchema).safeParse(parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HeldoutError(`${issue.path.join('.')}: ${issue.message}`, { where: file });
    }
    out.push(...parsed.data);
  }
  return out;
}

export interface SuiteUnitResult {
  id: string;
  style: string;
  label?: string;
  expected: VerdictOutcome;
  expectedExtracted?: string;
  verdict: Verdict;
  /** The answer a human reads was read (same text, or the same value). */
  extractedMatch?: boolean;
}

export interface SuiteSummary {
  units: number;
  /** Share of units with the expected verdict. */
  verdictAccuracy: number;
  /** Units where the human and the checker both decide (correct/incorrect), and the share that agree. */
  bothDecided: number;
  agreement: number;
  /** "correct" where the human said incorrect or undetermined: the worst error. */
  falseCorrect: number;
  /** Share of the human's "correct" units that the checker left undetermined. */
  undeterminedOnCorrect: number;
  /** Share of units with a human-read answer where the checker read an answer, and read the same one. */
  extractionRate: number;
  extractionAccuracy: number;
  byStyle: Record<string, { units: number; verdictAccuracy: number }>;
}

const squash = (s: string) =>
  s
    .replace(/\\[,;!: ]|\s|\$|\\\(|\\\)|\\\[|\\\]/g, '')
    .replace(/−/g, '-')
    .toLowerCase();

export function runAnswerSuite(cases: SuiteCase[]): SuiteUnitResult[] {
  const out: SuiteUnitResult[] = [];
  for (const c of cases) {
    const units = c.parts
      ? c.parts.map((p) => ({ id: p.label, path: [p.label], answer: p.answer, expect: p.expect }))
      : [{ id: 'only', path: [] as string[], answer: c.answer!, expect: c.expect! }];
    const readings = readUnitAnswers(
      c.response,
      units.map((u) => ({ id: u.id, path: u.path, hint: { kind: u.answer.kind } })),
      { finishReason: c.finishReason },
    );
    for (const u of units) {
      const verdict = judgeReading(readings.get(u.id), u.answer);
      const want = u.expect.extracted;
      let extractedMatch: boolean | undefined;
      if (want !== undefined) {
        const got = verdict.extracted;
        extractedMatch =
          got !== undefined &&
          (squash(got) === squash(want) ||
            squash(got).endsWith(squash(want)) ||
            answersEqual(got, { ...u.answer, value: want }).equal);
      }
      out.push({
        id: c.id,
        style: c.style,
        ...(c.parts ? { label: u.id } : {}),
        expected: u.expect.verdict,
        ...(want !== undefined ? { expectedExtracted: want } : {}),
        verdict,
        ...(extractedMatch !== undefined ? { extractedMatch } : {}),
      });
    }
  }
  return out;
}

export function summariseSuite(results: SuiteUnitResult[]): SuiteSummary {
  const share = (n: number, d: number) => (d ? Math.round((1000 * n) / d) / 1000 : 0);
  const decided = (o: VerdictOutcome) => o !== 'undetermined';
  const both = results.filter((r) => decided(r.expected) && decided(r.verdict.outcome));
  const humanCorrect = results.filter((r) => r.expected === 'correct');
  const withAnswer = results.filter((r) => r.expectedExtracted !== undefined);
  const byStyle: SuiteSummary['byStyle'] = {};
  for (const style of [...new Set(results.map((r) => r.style))].sort()) {
    const mine = results.filter((r) => r.style === style);
    byStyle[style] = {
      units: mine.length,
      verdictAccuracy: share(mine.filter((r) => r.expected === r.verdict.outcome).length, mine.length),
    };
  }
  return {
    units: results.length,
    verdictAccuracy: share(results.filter((r) => r.expected === r.verdict.outcome).length, results.length),
    bothDecided: both.length,
    agreement: share(both.filter((r) => r.expected === r.verdict.outcome).length, both.length),
    falseCorrect: results.filter((r) => r.verdict.outcome === 'correct' && r.expected !== 'correct').length,
    undeterminedOnCorrect: share(
      humanCorrect.filter((r) => r.verdict.outcome === 'undetermined').length,
      humanCorrect.length,
    ),
    extractionRate: share(withAnswer.filter((r) => r.verdict.extracted !== undefined).length, withAnswer.length),
    extractionAccuracy: share(withAnswer.filter((r) => r.extractedMatch).length, withAnswer.length),
    byStyle,
  };
}

/** The suite's misses, one line each, for a test failure or `--verbose` bench output. */
export function suiteMisses(results: SuiteUnitResult[]): string[] {
  return results
    .filter((r) => r.expected !== r.verdict.outcome)
    .map(
      (r) =>
        `${r.id}${r.label ? `/${r.label}` : ''}: expected ${r.expected}${r.expectedExtracted !== undefined ? ` (${r.expectedExtracted})` : ''}, ` +
        `got ${r.verdict.outcome} ${r.verdict.extracted !== undefined ? JSON.stringify(r.verdict.extracted) : ''} ` +
        `[${r.verdict.source ?? ''}] ${r.verdict.reason ?? ''}`,
    );
}

export const suiteName = (dir: string) => basename(dir);
