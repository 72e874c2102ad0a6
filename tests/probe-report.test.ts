import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../src/pipeline/write-report.js';
import { readProbeManifest } from '../src/probe/records.js';
import { runProbes } from '../src/probe/run-probe.js';
import { runExam } from '../src/run/runner.js';
import { chromiumPath, launchChromium, openFile } from './helpers/browser.js';
import { ROOT, tempDir } from './helpers/cli.js';
import type { ModelServer } from './helpers/model-server.js';
import { startMemorisingServer } from './helpers/probe-servers.js';
import { sharedBenchmarks } from './helpers/shared.js';

const FINALS = join(ROOT, 'exams/heldout-finals-2026-11');
const shared = sharedBenchmarks();
const CHROMIUM = chromiumPath();
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

describe.skipIf(!shared)('the report’s Memorisation section', { timeout: 120_000 }, () => {
  let server: ModelServer;
  const dir = tempDir('heldout-probe-report-');
  const runDir = join(dir, 'runs/r');
  let html = '';
  let file = '';
  beforeAll(async () => {
    server = await startMemorisingServer(shared!, { memory: true, suffix: HOSTILE });
    await runExam({
      examDir: FINALS,
      models: [`replay:${join(ROOT, 'examples/answers/strong.jsonl')}`],
      out: runDir,
      cacheDir: join(dir, 'cache'),
    });
    // No --control: the run's own exam is the control.
    await runProbes({
      out: runDir,
      models: ['vllm:mem-test'],
      baseUrl: server.openaiBaseUrl,
      benches: [`gsm8k=${shared}/gsm8k`],
      n: 40,
      probes: ['guided'],
      cacheDir: join(dir, 'cache'),
      itemCacheDir: join(dir, 'items'),
      env: {},
    });
    file = join(dir, 'report.html');
    const written = await writeReport(runDir, file);
    html = (await import('node:fs')).readFileSync(file, 'utf8');
    expect(written.model.sections.map((s) => s.key)).toContain('memorisation');
  }, 180_000);
  afterAll(async () => {
    await server.close();
  });

  it('shows the flag, the rates and the reproduced items, with the model’s output escaped', () => {
    expect(readProbeManifest(runDir).control?.examId).toBe('heldout-finals-2026-11');
    expect(html).toContain('<h2>Memorisation</h2>');
    expect(html).toContain('href="#memorisation"');
    expect(html).toContain('memorisation found');
    expect(html).toMatch(/GSM8K<\/td><td>\d+\/40 &#x3D; [\d.]+% \[/);
    expect(html).toMatch(
      /\d+ item\(s\) reproduced under the guided instruction \(12 shown, the rest in probes\.jsonl\)/,
    );
    expect(html).toContain('&lt;img src=x');
    expect(html).not.toContain(HOSTILE);
    // Memorisation comes before Run in the page and in the table of contents.
    expect(html.indexOf('<h2>Memorisation</h2>')).toBeLessThan(html.indexOf('<h2>Run</h2>'));
  });

  it('a run without probes has no Memorisation section', async () => {
    const plain = join(dir, 'runs/plain');
    await runExam({
      examDir: FINALS,
      models: [`replay:${join(ROOT, 'examples/answers/weak.jsonl')}`],
      out: plain,
      cacheDir: join(dir, 'cache'),
    });
    const { model } = await writeReport(plain, join(dir, 'plain.html'));
    expect(model.memorisation).toBeUndefined();
    expect(model.sections.map((s) => s.key)).not.toContain('memorisation');
  });

  it.skipIf(!CHROMIUM)(
    'renders in a real browser: no script runs, no request but the file',
    async () => {
      const session = await launchChromium(CHROMIUM!);
      try {
        const { page, requests, pageErrors } = await openFile(session.browser, file);
        expect(requests).toEqual([`file://${file}`]);
        expect(pageErrors).toEqual([]);
        expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
        expect(await page.evaluate(`document.querySelectorAll('#memorisation img, #memorisation script').length`)).toBe(
          0,
        );
        expect(await page.evaluate(`document.querySelector('#memorisation h3').textContent`)).toContain('mem-test');
        await page.click('#memorisation details > summary');
        expect(await page.isVisible('#memorisation .probe-evidence pre')).toBe(true);
      } finally {
        await session.close();
      }
    },
    60_000,
  );
});
