import { cpSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewServer, startRubricPreviewServer } from '../src/report/rubric-preview-live.js';
import { type BrowserSession, chromiumPath, launchChromium } from './helpers/browser.js';
import { ROOT, tempDir } from './helpers/cli.js';

const CHROMIUM = chromiumPath();
const FIXTURE = join(ROOT, 'tests/fixtures/rubric-test');

function examCopy(): string {
  const dir = join(tempDir(), 'exam');
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

/** A raw GET with chosen headers (fetch would not let us forge Host). */
function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

async function waitFor(cond: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('rubric preview --watch: the server', () => {
  let server: PreviewServer;
  let exam: string;
  beforeAll(async () => {
    exam = examCopy();
    server = await startRubricPreviewServer({ examDir: exam });
  });
  afterAll(async () => {
    await server.close();
  });

  it('binds 127.0.0.1, needs the token, refuses other hosts and origins, sends a strict CSP and no CORS', async () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[0-9a-f]{48}$`));
    const ok = await get(server.port, `/?token=${server.token}`);
    expect(ok.status).toBe(200);
    const csp = String(ok.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(ok.headers['access-control-allow-origin']).toBeUndefined();
    // The page's own meta CSP matches the header (the report's script-src 'none' would block the reload script).
    expect(csp).toMatch(/; frame-ancestors 'none'$/);
    expect(ok.body).toContain(`content="${csp.replace("; frame-ancestors 'none'", '')}"`);
    expect((await get(server.port, '/')).status).toBe(403);
    expect((await get(server.port, '/?token=wrong')).status).toBe(403);
    expect((await get(server.port, `/events?token=x${server.token.slice(1)}`)).status).toBe(403);
    expect((await get(server.port, `/?token=${server.token}`, { Host: 'evil.example:80' })).status).toBe(403);
    expect((await get(server.port, `/?token=${server.token}`, { Origin: 'http://evil.example' })).status).toBe(403);
  });
});

describe.skipIf(!CHROMIUM)('rubric preview --watch in a real browser', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await launchChromium(CHROMIUM!);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('reloads after a file write, shows lint findings beside their unit, and a YAML error until it is fixed', async () => {
    const exam = examCopy();
    const rubricFile = join(exam, 'rubric.yaml');
    const server = await startRubricPreviewServer({ examDir: exam, debounceMs: 50 });
    const context = await session.browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await page.goto(server.url, { waitUntil: 'load' });
      expect(await page.textContent('#lint-summary')).toMatch(/lint\s+clean/);
      expect(await page.content()).toContain('8 equally likely outcomes, 3 favourable.');
      // Wait until the page's change stream is open, then save the rubric as an editor does (temp file + rename).
      await waitFor(() => server.listeners() === 1);
      const original = readFileSync(rubricFile, 'utf8');
      const edited = original
        .replace('8 equally likely outcomes, 3 favourable.', 'Counts 8 outcomes and 3 red ones.')
        .replace('{ id: 2b.1, points: 1,', '{ id: 2b.1, points: 2,');
      writeFileSync(`${rubricFile}.tmp`, edited);
      const reloaded = page.waitForEvent('load');
      renameSync(`${rubricFile}.tmp`, rubricFile);
      await reloaded;
      await page.waitForSelector('text=Counts 8 outcomes and 3 red ones.');
      // The new points do not add up: the finding sits in unit 2b, with its file:line.
      const finding = page.locator('#q--2b .lint-findings li.lint-error');
      expect(await finding.textContent()).toMatch(
        /rubric\.yaml:\d+:\d+ rubric items for "2b" add up to 4, but the exam gives it 3 points/,
      );
      expect(await page.textContent('#lint-summary')).toMatch(/1 error/);

      // A YAML error shows on the page, explained; fixing it reloads again.
      const broken = page.waitForEvent('load');
      writeFileSync(rubricFile, original.replace('notes: Award follow-through', 'notes: Award: follow-through'));
      await broken;
      await page.waitForSelector('text=Cannot read the exam or rubric');
      expect(await page.textContent('body')).toMatch(/invalid YAML: .* — the value on line 2 contains ": "/);
      const fixed = page.waitForEvent('load');
      writeFileSync(rubricFile, original);
      await fixed;
      await page.waitForSelector('text=8 equally likely outcomes, 3 favourable.');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await server.close();
    }
  }, 120_000);
});

describe('rubric preview --watch from the CLI', () => {
  it('prints the address with its token, serves the page, and stops cleanly on Ctrl-C', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'bin/heldout.js'), 'rubric', 'preview', examCopy(), '--watch'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await waitFor(() => out.includes('\n'), 60_000);
    const url = new URL(out.trim());
    expect(url.hostname).toBe('127.0.0.1');
    const page = await get(Number(url.port), `${url.pathname}${url.search}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Rubric preview');
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 90_000);
});
