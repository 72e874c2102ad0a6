import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

/** Debian's real binary (`/usr/bin/chromium` is a shell wrapper). Never let playwright download a browser. */
const CANDIDATES = [process.env.HELDOUT_CHROMIUM, '/usr/lib/chromium/chromium', '/usr/lib/chromium-browser/chromium'];

export function chromiumPath(): string | undefined {
  const found = CANDIDATES.find((p): p is string => !!p && existsSync(p));
  if (!found && process.env.HELDOUT_REQUIRE_BROWSER === '1') {
    throw new Error('HELDOUT_REQUIRE_BROWSER=1 but no Chromium found; install it with `apt-get install chromium`');
  }
  return found;
}

export interface BrowserSession {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(executablePath: string): Promise<BrowserSession> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  // chromium.launch() always starts from a fresh temporary profile (it rejects --user-data-dir), so no state leaks
  // between runs.
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

export interface OpenedPage {
  page: Page;
  /** Every request the page made, the document itself included. */
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
}

/** Opens a local file the way a reader would (file://) and records requests and errors. */
export async function openFile(
  browser: Browser,
  file: string,
  viewport = { width: 1280, height: 900 },
): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport, javaScriptEnabled: true, offline: true });
  const page = await context.newPage();
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, requests, consoleErrors, pageErrors };
}

/** A crude but reliable "not blank" measure: how many distinct byte values the PNG's compressed data has. */
export function distinctBytes(buf: Buffer): number {
  return new Set(buf).size;
}
