// Validates tests/fixtures/answer-suite/*.yaml: shape, answer schema, unique ids; prints counts per verdict and style.
// Run: npx tsx scripts/check-answer-suite.ts
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { answerSchema } from '../src/exam/schema.js';

const dir = join(import.meta.dirname, '..', 'tests', 'fixtures', 'answer-suite');
const verdicts = new Set(['correct', 'incorrect', 'undetermined']);
const errors: string[] = [];
const ids = new Set<string>();
const byVerdict: Record<string, number> = {};
const byStyle: Record<string, number> = {};
const byFile: Record<string, number> = {};
let units = 0;

function checkExpect(where: string, expect: unknown): void {
  if (typeof expect !== 'object' || expect === null) {
    errors.push(`${where}: expect missing`);
    return;
  }
  const e = expect as Record<string, unknown>;
  const v = String(e.verdict);
  if (!verdicts.has(v)) errors.push(`${where}: verdict ${v}`);
  if (typeof e.why !== 'string' || !e.why) errors.push(`${where}: why missing`);
  if (v !== 'undetermined' && (typeof e.extracted !== 'string' || !e.extracted))
    errors.push(`${where}: ${v} needs extracted text`);
  if (e.extracted !== undefined && typeof e.extracted !== 'string') errors.push(`${where}: extracted must be a string`);
  for (const k of Object.keys(e))
    if (!['verdict', 'extracted', 'why'].includes(k)) errors.push(`${where}: unknown expect field ${k}`);
  byVerdict[v] = (byVerdict[v] ?? 0) + 1;
  units++;
}

function checkAnswer(where: string, answer: unknown): void {
  const r = answerSchema.safeParse(answer);
  if (!r.success) errors.push(`${where}: answer ${r.error.issues.map((i) => i.message).join('; ')}`);
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
  const cases = parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>[];
  if (!Array.isArray(cases)) {
    errors.push(`${file}: not a list`);
    continue;
  }
  byFile[file] = cases.length;
  cases.forEach((c, i) => {
    const where = `${file}#${i + 1} ${String(c.id)}`;
    const id = String(c.id);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) errors.push(`${where}: bad id`);
    if (ids.has(id)) errors.push(`${where}: duplicate id`);
    ids.add(id);
    for (const k of ['style', 'question', 'response'])
      if (typeof c[k] !== 'string' || !(c[k] as string).trim()) errors.push(`${where}: ${k} missing`);
    for (const k of Object.keys(c))
      if (!['id', 'style', 'question', 'response', 'answer', 'expect', 'parts'].includes(k))
        errors.push(`${where}: unknown field ${k}`);
    byStyle[String(c.style)] = (byStyle[String(c.style)] ?? 0) + 1;
    if (c.parts !== undefined) {
      if (c.answer !== undefined || c.expect !== undefined) errors.push(`${where}: parts and answer/expect both given`);
      const parts = c.parts as Record<string, unknown>[];
      if (!Array.isArray(parts) || parts.length < 2) errors.push(`${where}: parts needs 2+ entries`);
      for (const p of parts ?? []) {
        if (typeof p.label !== 'string') errors.push(`${where}: part label missing`);
        checkAnswer(`${where}.${p.label}`, p.answer);
        checkExpect(`${where}.${p.label}`, p.expect);
      }
    } else {
      checkAnswer(where, c.answer);
      checkExpect(where, c.expect);
    }
  });
}

console.log('cases per file', byFile);
console.log('cases per style', byStyle);
const total = Object.values(byFile).reduce((a, b) => a + b, 0);
console.log(`cases ${total}, graded units ${units}`);
for (const [v, n] of Object.entries(byVerdict)) console.log(`  ${v}: ${n} (${((100 * n) / units).toFixed(1)}%)`);
if (errors.length) {
  console.error(errors.join('\n'));
  process.exit(1);
}
