import { parseFinalJson } from '../models/reply-json.js';
import type { BenchmarkSource } from './bench/source.js';
import type { CheckText, Match } from './check/result.js';
import type { CheckResult } from './run-check.js';

/**
 * `--confirm <model>`: asks a model whether an exam item and its closest benchmark item are the same
 * problem (the LLM Decontaminator idea: rephrasings and translations slip past n-grams). The answer is shown
 * next to the n-gram verdict as extra evidence; it never changes a verdict.
 */

export interface ConfirmCaller {
  spec: string;
  call(req: {
    messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
    temperature?: number;
    maxTokens?: number;
    json?: boolean;
  }): Promise<{ text: string }>;
}

const SYSTEM =
  'You compare two exam problems and decide whether they are the same problem: the same task, possibly ' +
  'reworded, translated, reformatted or with renamed variables. Different numbers with the same wording ' +
  'count as the same problem. Reply with one JSON object: {"same": true|false, "reason": "<one sentence>"}.';

/** The texts are data: fenced so that instructions inside them are not followed. */
export function confirmPrompt(a: string, b: string): string {
  const fence = (s: string) => {
    let f = '```';
    while (s.includes(f)) f += '`';
    return `${f}\n${s}\n${f}`;
  };
  return `Problem 1:\n${fence(a)}\n\nProblem 2:\n${fence(b)}\n\nAre they the same problem? Answer with the JSON object only.`;
}

export function parseConfirm(text: string): { same: boolean | null; reason: string } {
  const reply = parseFinalJson(text);
  if (reply.ok && reply.value !== null && typeof reply.value === 'object') {
    const v = reply.value as { same?: unknown; reason?: unknown };
    if (typeof v.same === 'boolean') {
      return { same: v.same, reason: typeof v.reason === 'string' ? v.reason.slice(0, 500) : '' };
    }
  }
  const low = text.toLowerCase();
  if (/\b(yes|same)\b/.test(low) && !/\bnot\b/.test(low)) return { same: true, reason: text.slice(0, 200) };
  if (/\b(no|different)\b/.test(low)) return { same: false, reason: text.slice(0, 200) };
  return { same: null, reason: `unreadable answer: ${text.slice(0, 200)}` };
}

/**
 * Asks about the best match of each text that has any (at most `maxPairs` pairs in all), and writes the
 * answer onto every match with that benchmark item.
 */
export async function confirmMatches(
  result: CheckResult,
  texts: { items: CheckText[]; answers?: CheckText[] },
  sources: BenchmarkSource[],
  model: ConfirmCaller,
  opts: { maxPairs?: number; onError?: (err: Error) => void } = {},
): Promise<number> {
  const byLabel = new Map(sources.map((s) => [s.label, new Map(s.items.map((i) => [i.id, i]))]));
  const maxPairs = opts.maxPairs ?? 50;
  let asked = 0;
  const groups: [CheckResult['items'], CheckText[], 'text' | 'solution'][] = [[result.items, texts.items, 'text']];
  if (result.answers && texts.answers) groups.push([result.answers, texts.answers, 'solution']);
  for (const [results, inputs, field] of groups) {
    const textById = new Map(inputs.map((t) => [t.id, t.text]));
    for (const r of results) {
      if (asked >= maxPairs) return asked;
      const best = [...r.matches].sort(
        (x, y) => (y.similarity?.dice ?? 0) - (x.similarity?.dice ?? 0) || y.fraction - x.fraction,
      )[0];
      if (!best) continue;
      const item = byLabel.get(best.bench)?.get(best.itemId);
      const mine = textById.get(r.id);
      if (!item || mine === undefined) continue;
      const other = field === 'solution' ? (item.solution ?? '') : item.text;
      asked++;
      let verdict: Match['confirm'];
      try {
        const out = await model.call({
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: confirmPrompt(mine, other) },
          ],
          temperature: 0,
          maxTokens: 200,
          json: true,
        });
        verdict = { model: model.spec, ...parseConfirm(out.text) };
      } catch (err) {
        opts.onError?.(err as Error);
        verdict = { model: model.spec, same: null, reason: `call failed: ${(err as Error).message}` };
      }
      for (const m of r.matches) if (m.bench === best.bench && m.itemId === best.itemId) m.confirm = verdict;
    }
  }
  return asked;
}
