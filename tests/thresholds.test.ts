import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCliAsync, tempDir } from './helpers/cli.js';

const TINY = join(ROOT, 'tests/fixtures/report/tiny-run');

/** The tiny run's scores: fict-alpha is the best model; hostile scores 0 on questions 2 and 3. */
function tinyRun(): { dir: string; run: string } {
  const dir = tempDir('heldout-thresholds-');
  const run = join(dir, 'run');
  cpSync(TINY, run, { recursive: true });
  return { dir, run };
}

describe('thresholds for CI', () => {
  it('score --fail-under exits 4 below the threshold, 0 at or above it, and names the models below', async () => {
    const { dir, run } = tinyRun();
    const json = await runCliAsync(['score', run, '--exam', join(ROOT, 'exams/tiny'), '--json'], { cwd: dir });
    const percents = (JSON.parse(json.stdout).models as { model: string; percent: number }[]).map((m) => m.percent);
    const lowest = Math.min(...percents);
    const below = await runCliAsync(
      ['score', run, '--exam', join(ROOT, 'exams/tiny'), '--fail-under', String(lowest + 0.5)],
      {
        cwd: dir,
      },
    );
    expect(below.code).toBe(4);
    expect(below.stderr).toMatch(/below the threshold: .*< \d+(\.\d+)?% \(--fail-under\)/);
    const atLowest = await runCliAsync(
      ['score', run, '--exam', join(ROOT, 'exams/tiny'), '--fail-under', String(lowest)],
      {
        cwd: dir,
      },
    );
    expect(atLowest.code, atLowest.stderr).toBe(0);
    // The same key in heldout.config.yaml; a typed flag still wins over it.
    writeFileSync(join(dir, 'heldout.config.yaml'), `score:\n  failUnder: ${lowest + 0.5}\n`);
    expect((await runCliAsync(['score', run, '--exam', join(ROOT, 'exams/tiny')], { cwd: dir })).code).toBe(4);
    expect(
      (await runCliAsync(['score', run, '--exam', join(ROOT, 'exams/tiny'), '--fail-under', '0'], { cwd: dir })).code,
    ).toBe(0);
    // A bad value in the config is one error naming file, line and key.
    writeFileSync(join(dir, 'heldout.config.yaml'), 'score:\n  failUnder: high\n');
    const bad = await runCliAsync(['score', run, '--exam', join(ROOT, 'exams/tiny')], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/heldout\.config\.yaml:2:\d+: .*failUnder/);
  }, 60_000);

  it('check --max-contaminated tolerates up to n flagged texts (flag or config), and exits 2 above', async () => {
    const dir = tempDir('heldout-maxcont-');
    const bench = join(dir, 'bench.jsonl');
    // Question 1 of the tiny exam, word for word, as a "benchmark" item: one contaminated item.
    writeFileSync(
      bench,
      `${JSON.stringify({ question: 'Solve the equation $3x - 7 = 11$ on the set of real numbers.', answer: '6' })}\n`,
    );
    const args = [
      'check',
      join(ROOT, 'exams/tiny'),
      '--bench',
      `mine=${bench}`,
      '--rule',
      'palm-8gram-70',
      '--no-cache',
    ];
    const strict = await runCliAsync(args, { cwd: dir });
    expect(strict.code, strict.stderr).toBe(2);
    const tolerant = await runCliAsync([...args, '--max-contaminated', '1'], { cwd: dir });
    expect(tolerant.code, tolerant.stderr).toBe(0);
    expect(tolerant.stderr).toMatch(/1 flagged, within --max-contaminated 1/);
    expect((await runCliAsync([...args, '--max-contaminated', '0'], { cwd: dir })).code).toBe(2);
    writeFileSync(join(dir, 'heldout.config.yaml'), 'check:\n  maxContaminated: 3\n');
    expect((await runCliAsync(args, { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'heldout.config.yaml'), 'check:\n  maxContaminated: -1\n');
    const bad = await runCliAsync(args, { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/heldout\.config\.yaml:2:\d+: .*maxContaminated/);
  }, 60_000);
});
