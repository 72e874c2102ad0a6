/**
 * Whether a response was cut off. A cut-off answer's last formula is an intermediate step, not its answer, so the
 * checker must not grade it: it is undetermined. Evidence: the provider said it stopped at the length limit, maths
 * or braces left open, or the text stops in the middle of a sentence.
 */

import { unclosedDelimiters } from '../latex/brackets.js';

const LENGTH_REASONS = new Set(['length', 'max_tokens', 'max_output_tokens', 'model_length']);

/** Words after which no sentence ends (English and Hungarian). */
const DANGLING =
  /(?:^|\s)(?:the|a|an|and|or|of|to|is|are|was|we|so|then|that|which|with|for|by|in|on|at|as|be|this|its|from|into|than|if|but|approximately|about|roughly|equals|gives|get|obtain|therefore|thus|hence|az|és|hogy|ezért|tehát|mert|van|ahol|amely|ami|vagy|egy|de|mint|körülbelül|kb\.|egyenlő)$/i;

export function truncationReason(text: string, finishReason?: string): string | undefined {
  if (finishReason && LENGTH_REASONS.has(finishReason))
    return `the model stopped at its length limit (${finishReason})`;
  const body = text.replace(/\s+$/, '');
  if (!body) return undefined;
  const open = unclosedDelimiters(body);
  if (open.length) return `the answer ends with ${open.map((d) => `"${d}"`).join(', ')} left open`;
  // Drop trailing markdown and closing marks before looking at the last word.
  const tail = body.replace(/[*_`\s]+$/, '');
  // "… = $$" or "… =\]": the maths closed, but its last formula did not end.
  const formulaTail = tail.replace(/(?:\$\$|\$|\\\]|\\\)|\\end\{[a-z*]+\})+$/, '').trimEnd();
  const lastLine = formulaTail.slice(formulaTail.lastIndexOf('\n') + 1);
  // A lone "-" or "?" line is a placeholder for no answer, not a formula cut short.
  const formulaCut = /\S[ \t]*[=+\-−×·*/^,(\\&]$/.test(lastLine) && !/\\\\$/.test(lastLine);
  if (formulaCut && !/^\(?[a-z]\)\s*[-−]$/i.test(lastLine.trim())) return 'the answer stops in the middle of a formula';
  if (DANGLING.test(tail)) return 'the answer stops in the middle of a sentence';
  // A heading with nothing under it ("## Step 7: Find the first term"): the answer stopped before its body.
  if (/(?:^|\n)[ \t]*#{1,6}[ \t]+[^\n]*$/.test(tail)) return 'the answer ends with a heading and nothing under it';
  return undefined;
}
