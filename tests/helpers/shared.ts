import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from './cli.js';

/**
 * The public benchmarks in ../shared/benchmarks. Tests that need them skip when the folder is absent
 * (a user's fresh clone) and fail when HELDOUT_REQUIRE_SHARED=1 (CI).
 */
export const SHARED_BENCHMARKS = resolve(ROOT, '../shared/benchmarks');

export function sharedBenchmarks(): string | undefined {
  const ok = existsSync(join(SHARED_BENCHMARKS, 'gsm8k/test.jsonl'));
  if (!ok && process.env.HELDOUT_REQUIRE_SHARED === '1') {
    throw new Error(`HELDOUT_REQUIRE_SHARED=1 but ${SHARED_BENCHMARKS} is missing`);
  }
  return ok ? SHARED_BENCHMARKS : undefined;
}
