/**
 * Loopback "models" with a known memory, for the memorisation probes. They read the real benchmarks from
 * ../shared/benchmarks at test time (no benchmark text is stored in the repository) and answer through the
 * OpenAI-compatible model server of model-server.ts.
 *
 *   memorising: has memorised a known 30% of GSM8K test (by a hash of the question). Asked for the rest of one of those
 *               with the benchmark's name, it returns the true remainder (sometimes after a "Second piece:" label, or
 *               followed by a solution); anything else gets a paraphrase.
 *   ts:         fills a masked MMLU option exactly for a known 30% of items, and says it does not know otherwise.
 *   logprobs:   a completions server that echoes the prompt with token log-probabilities, higher on GSM8K test
 *               questions when `memory` is on; without memory every text gets the same distribution.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelServer, promptOf, type RecordedRequest, startModelServer } from './model-server.js';

const unit = (...parts: (string | number)[]) =>
  createHash('sha256').update(parts.join('\0')).digest().readUInt32BE(0) / 2 ** 32;

/** The server's memory: the same 30% every time. */
export const isMemorised = (question: string) => unit('memory', question.trim()) < 0.3;

export function gsm8kTestQuestions(shared: string): string[] {
  return readFileSync(join(shared, 'gsm8k/test.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { question: string }).question);
}

const FILLER = ['then', 'some', 'more', 'of', 'it', 'is', 'left', 'so', 'we', 'count', 'again'];

/** A rewording with about a third of the words kept: what a model that has not seen the item might write. */
export function paraphrase(text: string): string {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((w, i) => (i % 3 === 0 ? w : FILLER[i % FILLER.length]))
    .join(' ');
}

function between(text: string, start: string, end: string): string | undefined {
  const a = text.indexOf(start);
  if (a < 0) return undefined;
  const b = text.indexOf(end, a + start.length);
  return text.slice(a + start.length, b < 0 ? undefined : b).trim();
}

export async function startMemorisingServer(
  shared: string,
  opts: { memory: boolean; latencyMs?: number; suffix?: string },
): Promise<ModelServer> {
  const questions = gsm8kTestQuestions(shared).map((q) => q.trim());
  const answer = (req: RecordedRequest) => {
    const prompt = promptOf(req);
    const prefix = between(prompt, 'First piece:\n', '\n\nSecond piece:') ?? '';
    const q = prefix ? questions.find((x) => x.startsWith(prefix)) : undefined;
    const remainder = q ? q.slice(prefix.length).trim() : (prompt.split('\n').pop() ?? 'nothing');
    if (opts.memory && q && isMemorised(q) && prompt.includes('GSM8K')) {
      const style = Math.floor(unit('style', q) * 3);
      if (opts.suffix) return `${remainder} ${opts.suffix}`;
      if (style === 0) return remainder;
      if (style === 1) return `Second piece: ${remainder}`;
      return `${remainder}\n\nSolution: add the amounts, then subtract what was used.`;
    }
    return paraphrase(remainder || 'I am not sure how this continues');
  };
  return startModelServer({ latencyMs: opts.latencyMs ?? 0, answer });
}

export interface MmluRow {
  question: string;
  choices: string[];
}

export async function startTsGuessingServer(rows: MmluRow[], opts: { plantedRate: number }): Promise<ModelServer> {
  const byQuestion = new Map(rows.map((r) => [r.question.trim(), r]));
  const answer = (req: RecordedRequest) => {
    const prompt = promptOf(req);
    const letter = /fill in the \[MASK\] in option ([A-D])/.exec(prompt)?.[1];
    const question = between(prompt, 'Question: ', '\n\nOptions:');
    const row = question ? byQuestion.get(question) : undefined;
    if (row && letter && unit('ts', row.question.trim()) < opts.plantedRate) {
      return row.choices['ABCD'.indexOf(letter)].trim();
    }
    return 'I do not know this option.';
  };
  return startModelServer({ answer });
}

/** Echo with logprobs: whitespace-separated "tokens", each with a log-probability and five alternatives. */
export async function startLogprobServer(shared: string, opts: { memory: boolean }): Promise<ModelServer> {
  const known = new Set(gsm8kTestQuestions(shared).map((q) => q.trim()));
  const logprobs = (req: RecordedRequest) => {
    const prompt = typeof req.body?.prompt === 'string' ? req.body.prompt : '';
    const seen = opts.memory && known.has(prompt.trim());
    const tokens: string[] = [];
    const offsets: number[] = [];
    for (const m of prompt.matchAll(/\S+\s*|\s+/g)) {
      tokens.push(m[0]);
      offsets.push(m.index ?? 0);
    }
    // The one generated token after the echo.
    tokens.push(' The');
    offsets.push(prompt.length);
    const lps: (number | null)[] = [];
    const tops: (Record<string, number> | null)[] = [];
    tokens.forEach((tok, i) => {
      const u = unit('lp', tok, i, prompt.length);
      const lp = seen ? -0.05 - 0.6 * u : -0.3 - 5 * u;
      lps.push(i === 0 ? null : lp);
      const top: Record<string, number> = { [tok]: lp };
      for (let k = 0; k < 4; k++) top[`alt${k}`] = -0.5 - 3 * unit('alt', tok, i, k);
      tops.push(i === 0 ? null : top);
    });
    return { tokens, token_logprobs: lps, top_logprobs: tops, text_offset: offsets };
  };
  return startModelServer({ answer: (req) => `${promptOf(req)} The`, logprobs });
}
