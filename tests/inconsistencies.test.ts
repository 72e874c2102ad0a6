import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExam } from '../src/run/runner.js';
import { loadRunManifest } from '../src/store/run.js';
import { ROOT, runCli, runCliAsync, tempDir } from './helpers/cli.js';
import { type ModelServer, startModelServer } from './helpers/model-server.js';

const TINY = join(ROOT, 'exams/tiny');
const REPLAY = join(ROOT, 'tests/fixtures/replay/tiny-published.csv');

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(async () => {
  await server.close();
});

// CLI processes on a shared machine can be slow: a generous limit (the assertions, not the time, are the test).
describe('no silent inconsistencies', { timeout: 120_000 }, () => {
  it('a torn last line in responses.jsonl is said by score, grade and report, and score shows the unanswered', () => {
    const out = join(tempDir(), 'run');
    const r = runCli(['run', TINY, '--model', `replay:${REPLAY}`, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(loadRunManifest(out).status).toBe('complete');
    const file = join(out, 'responses.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    // A writer killed in the middle of its last line.
    writeFileSync(file, `${lines.slice(0, -1).join('\n')}\n${lines.at(-1)!.slice(0, 40)}`);
    const warning = new RegExp(
      `responses\\.jsonl:${lines.length}: the last line is cut off .* counts as unanswered; the manifest says "complete"`,
    );
    const score = runCli(['score', out]);
    expect(score.code).toBe(0);
    expect(score.stderr).toMatch(warning);
    const header = score.stdout.split('\n').find((l) => l.startsWith('model'))!;
    // The unanswered column, counted from the cut line.
    const at = header.indexOf('unanswered');
    expect(at).toBeGreaterThan(0);
    const row = score.stdout.split('\n').find((l) => l.startsWith('replay:'))!;
    expect(row.slice(at, at + 'unanswered'.length).trim()).toBe('1');
    const grade = runCli(['grade', out, '--auto']);
    expect(grade.stderr).toMatch(warning);
    expect(grade.stderr.match(/cut off/g)).toHaveLength(1);
    const report = runCli(['report', out, '-o', join(out, 'r.html')]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toMatch(warning);
  });

  it('run --resume of an openai-compatible run uses the base URL its manifest records', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const stop = new AbortController();
    stop.abort();
    await runExam({
      examDir: TINY,
      models: ['vllm:served-model'],
      baseUrl: server.openaiBaseUrl,
      out,
      stop: stop.signal,
      noCache: true,
      env: {},
    });
    expect(loadRunManifest(out).models[0].baseUrl).toBe(server.openaiBaseUrl);
    server.reset();
    const r = await runCliAsync(['run', '--resume', out, '--no-cache'], { env: { HELDOUT_CACHE_DIR: join(dir, 'c') } });
    expect(r.code, r.stderr).toBe(0);
    expect(server.count).toBe(3);
    expect(loadRunManifest(out).status).toBe('complete');
  });
});
