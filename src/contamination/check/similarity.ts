import { createRequire } from 'node:module';
import { janitorNormalize, latexNormalize } from '../text/normalize.js';
import { round3 } from './result.js';

/** How close a text is to a candidate benchmark item, beyond the rules: longest shared run, string similarity. */

const require = createRequire(import.meta.url);
let jaroWinkler: ((a: string, b: string) => number) | undefined;
let dice: ((a: string, b: string) => number) | undefined;

/** natural's Jaro-Winkler and Dice (subpath imports) on janitor-normalised, LaTeX-cleaned text. */
export function similarity(a: string, b: string): { jaroWinkler: number; dice: number } {
  jaroWinkler ??= require('natural/lib/natural/distance/jaro-winkler_distance.js') as (a: string, b: string) => number;
  dice ??= require('natural/lib/natural/distance/dice_coefficient.js') as (a: string, b: string) => number;
  const na = janitorNormalize(latexNormalize(a)).replace(/\s+/g, ' ').trim();
  const nb = janitorNormalize(latexNormalize(b)).replace(/\s+/g, ' ').trim();
  if (!na || !nb) return { jaroWinkler: 0, dice: 0 };
  // Jaro-Winkler is quadratic: long items (MMLU law questions) are compared on their first 2000 characters.
  return { jaroWinkler: round3(jaroWinkler(na.slice(0, 2000), nb.slice(0, 2000))), dice: round3(dice(na, nb)) };
}

/** Longest common run of tokens (dynamic programming over one row). */
export function longestSharedRun(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  let best = 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        const v = prev[j - 1] + 1;
        cur[j] = v;
        if (v > best) best = v;
      } else cur[j] = 0;
    }
    [prev, cur] = [cur, prev];
  }
  return best;
}
