import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../random.js';

/**
 * Blind grading: graders see an opaque answer id instead of `<model>|<question>|<sample>`. The id is an HMAC of
 * the response id under a per-run random salt (kept in the run directory, never in a sheet), so it cannot be
 * reversed by hashing guessed model names, and a sheet maps back to its responses on import.
 */

const SALT_FILE = 'grading-salt';

export function runSalt(runDir: string): string {
  const file = join(runDir, SALT_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const salt = randomBytes(16).toString('hex');
  writeFileSync(file, `${salt}\n`, { flag: 'wx' });
  return salt;
}

export function blindId(salt: string, responseId: string): string {
  return `A-${createHmac('sha256', salt).update(responseId).digest('hex').slice(0, 10)}`;
}

/** Fisher–Yates with a seeded generator: the same seed gives the same order. */
export function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  const rnd = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
