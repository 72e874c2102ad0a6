import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readProbeManifest } from '../src/probe/records.js';
import { BIN, ROOT, runCliAsync, tempDir } from './helpers/cli.js';
import { type ModelServer, promptOf } from './helpers/model-server.js';
import { startMemorisingServer } from './helpers/probe-servers.js';
import { sharedBenchmarks } from './helpers/shared.js';

const FINALS = join(ROOT, 'exams/heldout-finals-2026-11');
const shared = sharedBenchmarks();

describe.skipIf(!shared)('heldout probe (CLI)', { timeout: 180_000 }, () => {
  let server: ModelServer;
  let dir: string;
  beforeAll(async () => {
    server = await startMemorisingServer(shared!, { memory: true });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    server.latencyMs = 0;
    dir = tempDir('heldout-probe-cli-');
    writeFileSync(
      join(dir, 'heldout.config.yaml'),
      `models:\n  mem:\n    spec: vllm:mem-test\n    baseUrl: ${server.openaiBaseUrl}\n    prices: { input: 2, output: 8 }\n`,
    );
  });
  const env = () => ({ HELDOUT_CACHE_DIR: join(dir, 'cache') });
  const args = (...more: string[]) => [
    'probe',
    '--model',
    'mem',
    '--bench',
    `gsm8k=${shared}/gsm8k`,
    '--control',
    FINALS,
    '--out',
    'runs/p',
    ...more,
  ];

  it('shows calls, tokens and cost first, and --max-cost below the estimate sends nothing and writes nothing', async () => {
    const r = await runCliAsync(args('--n', '50', '--probe', 'guided', '--max-cost', '0.0001'), {
      cwd: dir,
      env: env(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/estimated cost \$0\.0\d+ is above --max-cost \$0\.0001 \(136 calls\)/);
    expect(server.count).toBe(0);
    expect(existsSync(join(dir, 'runs/p'))).toBe(false);
  });

  it('probes, prints the findings with their intervals, exits 2 on a flag, and the JSON agrees', async () => {
    const r = await runCliAsync(args('--n', '60', '--probe', 'guided', '--yes', '--max-cost', '5'), {
      cwd: dir,
      env: env(),
    });
    expect(r.stderr).toMatch(
      /probe plan: 156 call\(s\), about \d+ input and \d+ output tokens, estimated cost \$0\.\d{4}/,
    );
    expect(r.stdout).toContain('mem: MEMORISATION FOUND');
    expect(r.stdout).toMatch(/guided completion, GSM8K: with its name \d+\/60 = [\d.]+% \[[\d.]+%, [\d.]+%\]/);
    expect(r.code).toBe(2);
    expect(server.count).toBe(156);
    // The second time everything is there: nothing is sent, the same findings come back.
    server.reset();
    const again = await runCliAsync(['probe', '--resume', '--out', 'runs/p', '--json', '--n', '5'], {
      cwd: dir,
      env: env(),
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--resume keeps the probe's own parameters; ignoring --n");
    expect(server.count).toBe(0);
    const json = JSON.parse(again.stdout);
    expect(json.status).toBe('complete');
    expect(json.findings.models[0].flagged).toBe(true);
    expect(json.findings.models[0].guided[0].guided.n).toBe(60);
  });

  it('Ctrl-C saves what is done, exits 130, and --resume finishes with every call exactly once', async () => {
    server.latencyMs = 30;
    // A server given on the command line is recorded: the resume below does not repeat --base-url.
    const first = args(
      '--n',
      '40',
      '--probe',
      'guided',
      '--concurrency',
      '2',
      '--no-cache',
      '--base-url',
      server.openaiBaseUrl,
    );
    first[2] = 'vllm:mem-test';
    const child = spawn(process.execPath, [BIN, ...first], {
      cwd: dir,
      env: { ...process.env, ...env() },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const file = join(dir, 'runs/p/probes.jsonl');
    const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
    const t = setInterval(() => {
      if (lines().length >= 10) {
        clearInterval(t);
        child.kill('SIGINT');
      }
    }, 10);
    const code = await new Promise<number | null>((res) => child.on('close', res));
    clearInterval(t);
    expect(code).toBe(130);
    expect(stderr).toContain('heldout probe --resume --out runs/p');
    const kept = lines().length;
    expect(kept).toBeLessThan(116);
    expect(readProbeManifest(join(dir, 'runs/p')).status).toBe('interrupted');
    const r = await runCliAsync(['probe', '--resume', '--out', 'runs/p', '--no-cache'], { cwd: dir, env: env() });
    expect(r.code).toBe(2);
    const ids = lines().map((l) => JSON.parse(l).id);
    expect(ids).toHaveLength(116);
    expect(new Set(ids).size).toBe(116);
  });

  it('user templates replace the prompts and are recorded; a template error names the file', async () => {
    const tpl = join(dir, 'tpl');
    mkdirSync(tpl);
    writeFileSync(join(tpl, 'general.hbs'), 'Continue this text.\n\nFirst piece:\n{{prefix}}\n\nSecond piece:\n');
    const r = await runCliAsync(args('--n', '5', '--probe', 'guided', '--templates', 'tpl', '--yes'), {
      cwd: dir,
      env: env(),
    });
    expect(r.stderr).not.toMatch(/error/);
    const general = server.requests.map(promptOf).filter((p) => p.startsWith('Continue this text.'));
    expect(general.length).toBe(5 + 18);
    expect(readProbeManifest(join(dir, 'runs/p')).params.templates.general).toContain('Continue this text.');

    writeFileSync(join(tpl, 'guided.hbs'), 'From {{datset}}: {{prefix}}');
    const bad = await runCliAsync(
      [
        'probe',
        '--model',
        'mem',
        '--bench',
        `gsm8k=${shared}/gsm8k`,
        '--control',
        FINALS,
        '--out',
        'runs/q',
        '--templates',
        'tpl',
      ],
      { cwd: dir, env: env() },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/guided\.hbs: template error: "datset" not defined/);
    expect(existsSync(join(dir, 'runs/q'))).toBe(false);
  });

  it('bad input: an unknown probe, no control, an existing probe without --resume', async () => {
    const p = await runCliAsync(args('--probe', 'guided,telepathy'), { cwd: dir, env: env() });
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('--probe "telepathy": unknown probe');
    const c = await runCliAsync(['probe', '--model', 'mem', '--bench', `gsm8k=${shared}/gsm8k`, '--out', 'runs/x'], {
      cwd: dir,
      env: env(),
    });
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('no control exam');
    const anth = await runCliAsync(
      [
        'probe',
        '--model',
        'anthropic:claude-x',
        '--bench',
        `gsm8k=${shared}/gsm8k`,
        '--control',
        FINALS,
        '--out',
        'runs/a',
      ],
      { cwd: dir, env: { ...env(), ANTHROPIC_API_KEY: 'k' } },
    );
    expect(anth.code).toBe(1);
    expect(anth.stderr).toContain('anthropic:claude-x: probes need an OpenAI-compatible or OpenAI model');
    await runCliAsync(args('--n', '2', '--probe', 'guided', '--yes'), { cwd: dir, env: env() });
    const twice = await runCliAsync(args('--n', '2', '--probe', 'guided', '--yes'), { cwd: dir, env: env() });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('already holds probe results');
  });
});
