import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseCsvRecords } from '../src/contamination/bench/csv.js';
import { mmluText } from '../src/contamination/bench/formats.js';
import { examTexts } from '../src/contamination/texts.js';
import { loadExam } from '../src/exam/load.js';
import { runCli, tempDir } from './helpers/cli.js';
import { sharedBenchmarks } from './helpers/shared.js';

// Reads the real benchmarks in ../shared/benchmarks at test time (never copied into the repo): skipped when
// they are absent, required in CI (HELDOUT_REQUIRE_SHARED=1).
const B = sharedBenchmarks();
const cache = tempDir();
const benches = (b: string) => [
  '--bench',
  join(b, 'gsm8k'),
  '--bench',
  join(b, 'math'),
  '--bench',
  join(b, 'mmlu'),
  '--bench',
  join(b, 'humaneval'),
];

function jsonlLine(file: string, line: number): Record<string, string> {
  return JSON.parse(readFileSync(file, 'utf8').split('\n')[line - 1]);
}

describe.skipIf(!B)('contamination check against the real benchmarks', () => {
  it('plants benchmark items in an exam and gets each rule’s verdict', { timeout: 180_000 }, () => {
    const gsm = jsonlLine(join(B!, 'gsm8k/test.jsonl'), 1).question;
    const gsm2 = jsonlLine(join(B!, 'gsm8k/test.jsonl'), 2).question;
    const gsm3 = jsonlLine(join(B!, 'gsm8k/test.jsonl'), 3).question;
    const math = jsonlLine(join(B!, 'math/test.jsonl'), 2).problem;
    const mmluRow = parseCsvRecords(readFileSync(join(B!, 'mmlu/test/abstract_algebra_test.csv'), 'utf8'))[2].cells;
    const mmlu = mmluText(mmluRow[0], mmluRow.slice(1, 5));
    const human = jsonlLine(join(B!, 'humaneval/HumanEval.jsonl'), 1).prompt;
    // New numbers: every digit shifted by one (GSM1k-style perturbation).
    const renumbered = gsm2.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
    // Case and punctuation: all caps, ASCII punctuation removed.
    const shouted = gsm3.toUpperCase().replace(/[!-/:-@[-`{-~]/g, '');
    const q = (id: string, text: string) => ({ id, number: id, points: 1, text });
    const exam = {
      id: 'planted-real',
      title: 'Planted real benchmark items',
      language: 'en',
      released: '2026-11-26',
      points: 8,
      parts: [
        {
          id: 'P',
          title: 'P',
          points: 8,
          questions: [
            q('gsm', gsm),
            q('math', math),
            q('mmlu', mmlu),
            q('humaneval', human),
            q('renumbered', renumbered),
            q('shouted', shouted),
            q(
              'original',
              'A lighthouse keeper rows to an island three kilometres away at a steady pace, rests for twenty minutes, and rows back against a current that halves her speed; find the whole journey time.',
            ),
            q(
              'hungarian',
              'Egy gazda csirkéket és kecskéket tart egy karámban; az állatoknak összesen negyven fejük és száztizenkét lábuk van. Hány kecske van a karámban?',
            ),
          ],
        },
      ],
    };
    const dir = tempDir();
    mkdirSync(join(dir, 'exam'));
    writeFileSync(join(dir, 'exam/exam.yaml'), stringify(exam));
    const r = runCli(['check', join(dir, 'exam'), ...benches(B!), '--json'], { env: { HELDOUT_CACHE_DIR: cache } });
    expect(r.code, r.stderr).toBe(2);
    const res = JSON.parse(r.stdout);
    const get = (id: string) => res.items.find((i: { id: string }) => i.id === id);
    const all = { 'gpt3-13gram': 'contaminated', 'palm-8gram-70': 'contaminated', 'gpt4-50char': 'contaminated' };
    expect(get('gsm').verdicts).toEqual(all);
    expect(get('gsm').matches.map((m: { itemId: string }) => m.itemId)).toContain('gsm8k/test:1');
    expect(get('math').verdicts).toEqual(all);
    expect(get('math').matches.map((m: { itemId: string }) => m.itemId)).toContain('math/test:2');
    expect(get('mmlu').verdicts).toEqual(all);
    expect(get('mmlu').matches.map((m: { itemId: string }) => m.itemId)).toContain('mmlu/test/abstract_algebra:3');
    expect(get('humaneval').verdicts).toEqual(all);
    expect(get('humaneval').matches.map((m: { itemId: string }) => m.itemId)).toContain('HumanEval/0');
    expect(get('renumbered').templateMatch).toBe(true);
    expect(get('renumbered').matches.find((m: { rule: string }) => m.rule === 'template').itemId).toBe('gsm8k/test:2');
    expect(get('shouted').verdicts).toEqual({
      'gpt3-13gram': 'contaminated',
      'palm-8gram-70': 'contaminated',
      // The GPT-4 rule keeps case.
      'gpt4-50char': 'clean',
    });
    expect(get('original').verdicts).toEqual({
      'gpt3-13gram': 'clean',
      'palm-8gram-70': 'clean',
      'gpt4-50char': 'clean',
    });
    expect(Object.values(get('hungarian').verdicts)).toEqual(['not-comparable', 'not-comparable', 'not-comparable']);
    expect(res.sources.map((s: { label: string; count: number }) => [s.label, s.count])).toEqual([
      // Items whose text a larger split already holds count once: MATH500's 500 problems are MATH test
      // problems, and 33 MMLU dev/val questions repeat test questions.
      ['gsm8k', 8792],
      ['math', 12500],
      ['mmlu', 15825],
      ['humaneval', 164],
    ]);
    expect(res.sources.every((s: { language: string }) => s.language === 'en')).toBe(true);
  });

  it('our shipped exam is clean against all four benchmarks', { timeout: 180_000 }, () => {
    const r = runCli(['check', 'exams/heldout-finals-2026-11', ...benches(B!), '--json'], {
      env: { HELDOUT_CACHE_DIR: cache },
    });
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    // Every unit of the exam is checked: a question without sub-parts, or each leaf sub-part.
    expect(res.items.map((i: { id: string }) => i.id)).toEqual(
      examTexts(loadExam('exams/heldout-finals-2026-11')).map((t) => t.id),
    );
    for (const item of res.items) {
      expect(Object.values(item.verdicts), item.id).toEqual(['clean', 'clean', 'clean']);
      expect(item.templateMatch, item.id).toBe(false);
    }
  });
});
