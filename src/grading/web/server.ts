import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFile, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { HeldoutError } from '../../errors.js';
import { loadMathRenderer } from '../../html/math.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { loadRunContext, type RunContextOptions } from '../context.js';
import { humanSession } from '../human.js';
import { DeskError, GradingDesk, saveSchema } from './desk.js';
import { GradeLog } from './grade-log.js';
import { type DeskFilter, deskFilters, type SaveReply, sessionToWire } from './protocol.js';

/**
 * `heldout grade serve`: the grading page on a local web server. Plain node:http with a small route table: the
 * page is one HTML shell, two static files, the exam's figures and four JSON endpoints, so a framework would add a
 * dependency and an attack surface without removing any code that matters here (the token check, the headers, the
 * body limit).
 *
 * Safe by default: it binds 127.0.0.1 on a free port; every request must carry the random token in its path
 * (`/g/<token>/…`), compared in constant time; the Host header must name the loopback address (no DNS
 * rebinding); writes need a JSON body and a same-origin Origin; no CORS header is ever sent; the CSP allows only
 * this origin's script and style and no inline code, so even markup that slipped through escaping could not run.
 */

export interface ServeOptions extends RunContextOptions {
  grader: string;
  adjudicate?: boolean;
  review?: boolean;
  filter?: string;
  blind?: boolean;
  seed?: number;
  host?: string;
  port?: number;
  /** Needed to bind anything but a loopback address. */
  allowRemote?: boolean;
  now?: () => string;
}

export interface GradingServer {
  url: string;
  host: string;
  port: number;
  /** Units in this grader's queue. */
  units: number;
  warnings: string[];
  desk: GradingDesk;
  close(): Promise<void>;
}

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * No Cross-Origin-Opener-Policy: the page opens no windows, cannot be framed, and no other page can open it without
 * the token, so severing openers protects nothing here; and on a new tab it forces Chromium to swap renderer
 * processes after the response: ~370 ms of the first load (median, on a busy 2-core machine, next to ~60 ms without).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/**
 * A figure opened on its own (not through the page's <img>) is a document of this origin: an SVG one must not run
 * its scripts or load anything, so it gets a sandbox with nothing allowed but its own inline styles.
 */
const FIGURE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

const MAX_BODY = 64 * 1024;
const STATIC = new Set(['', 'app.js', 'app.css', 'favicon.svg']);
// Declared by the page, so the browser does not ask for /favicon.ico without the token.
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f4e79"/><path d="M4 8.5l3 3 5-7" stroke="#fff" stroke-width="2" fill="none"/></svg>';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export function gradingAssets(): { js: Buffer; css: Buffer } {
  const dir = join(PACKAGE_ROOT, 'dist', 'grade-web');
  const js = join(dir, 'app.js');
  const css = join(dir, 'app.css');
  if (!existsSync(js) || !existsSync(css)) {
    throw new HeldoutError('the grading page is not built', { where: dir, hint: 'run `npm run build` first' });
  }
  return { js: readFileSync(js), css: readFileSync(css) };
}

/**
 * The page carries its first screen (the queue and the unit to start at) as JSON data, so it shows without two more
 * round trips. `type="application/json"` is data, not script (the CSP still allows no inline code), and every `<` is
 * escaped so that nothing in it can close the element.
 */
export function bootData(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const page = (title: string, boot: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="icon" href="favicon.svg">
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<main id="app" aria-live="polite"><p class="loading">Loading the grading queue…</p></main>
<script type="application/json" id="boot">${boot}</script>
</body>
</html>
`;

export async function startGradingServer(runDir: string, opts: ServeOptions): Promise<GradingServer> {
  const grader = opts.grader.trim();
  if (!grader) throw new HeldoutError('--grader must not be empty', { hint: 'e.g. --grader ann' });
  const host = opts.host ?? '127.0.0.1';
  const warnings: string[] = [];
  if (!isLoopback(host)) {
    if (!opts.allowRemote) {
      throw new HeldoutError(`--host ${host} is not a loopback address`, {
        hint: 'anyone who can reach it and learns the link could read the answers and grade; pass --allow-remote if you mean it',
      });
    }
    warnings.push(
      `serving on ${host}: anyone on that network who learns the link (with its token) can read the answers and grade; the connection is not encrypted`,
    );
  }
  const filter = (opts.filter ?? 'all') as DeskFilter;
  if (!deskFilters.includes(filter)) {
    throw new HeldoutError(`--filter must be one of ${deskFilters.join(', ')} (got "${opts.filter}")`);
  }
  const assets = gradingAssets();
  const ctx = loadRunContext(runDir, opts);
  const session = humanSession(ctx.runDir, grader, { seed: opts.seed, blind: opts.blind });
  const log = new GradeLog(ctx.runDir);
  const desk = new GradingDesk(
    ctx,
    log,
    {
      grader,
      mode: opts.adjudicate ? 'adjudicate' : 'grade',
      review: !!opts.review,
      session,
      filter,
      now: opts.now,
    },
    await loadMathRenderer(),
  );
  // The first screen's maths is rendered now, while the grader reads the link, not when the page asks for it.
  if (desk.size) desk.unit(desk.session().start);
  const token = randomBytes(24).toString('base64url');
  const prefix = `/g/${token}/`;
  const title = opts.adjudicate ? 'heldout · adjudication' : 'heldout · grading';

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (err instanceof DeskError) return send(res, err.status, { error: err.message });
      if (err instanceof HeldoutError) return send(res, 500, { error: err.format() });
      process.stderr.write(`heldout: grading server error: ${(err as Error)?.stack ?? err}\n`);
      send(res, 500, { error: 'internal error; see the terminal' });
    });
  });
  let port = 0;

  // On loopback the page is reached only as 127.0.0.1, localhost or [::1]: any other Host is a DNS-rebinding page.
  // A deliberate remote bind is reached by whatever name the network gives it; the token guards it.
  const loopback = isLoopback(host);
  const allowedHosts = () => new Set(['127.0.0.1', 'localhost', '[::1]'].map((n) => `${n}:${port}`));
  let hosts = new Set<string>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostHeader = String(req.headers.host ?? '').toLowerCase();
    if (loopback && !hosts.has(hostHeader)) {
      return sendText(res, 421, 'wrong Host header: open the link exactly as `heldout grade serve` printed it');
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.search) return sendText(res, 400, 'no query strings here');
    const path = url.pathname;
    if (!hasToken(path)) {
      return sendText(res, 403, 'forbidden: open the link with its token that `heldout grade serve` printed');
    }
    const route = path.slice(prefix.length);
    if (path === prefix.slice(0, -1)) return redirect(res, prefix);
    const method = req.method ?? 'GET';
    if (
      STATIC.has(route) ||
      route === 'api/session' ||
      route === 'api/queue' ||
      /^api\/unit\/\d+$/.test(route) ||
      /^fig\/\d+$/.test(route)
    ) {
      if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'method not allowed', { Allow: 'GET' });
      if (route === '') {
        const session = desk.session();
        const unit = desk.size ? desk.unit(session.start) : undefined;
        const boot = bootData({ session: sessionToWire(session), unit });
        return sendBody(res, 200, 'text/html; charset=utf-8', page(title, boot));
      }
      if (route === 'app.js') return sendBody(res, 200, 'text/javascript; charset=utf-8', assets.js);
      if (route === 'app.css') return sendBody(res, 200, 'text/css; charset=utf-8', assets.css);
      if (route === 'favicon.svg') return sendBody(res, 200, 'image/svg+xml', FAVICON);
      if (route === 'api/session') return send(res, 200, sessionToWire(desk.session()));
      if (route === 'api/queue') {
        // Polled every few seconds by every open page: unchanged costs one fstat and an empty 304.
        const version = desk.version();
        if (req.headers['if-none-match'] === version) return sendBody(res, 304, 'text/plain', '', { ETag: version });
        const reply = desk.queueReply();
        return sendBody(res, 200, 'application/json; charset=utf-8', JSON.stringify(reply), { ETag: reply.version });
      }
      if (route.startsWith('fig/')) return sendFigure(res, desk.figures.file(Number(route.slice(4))));
      return send(res, 200, desk.unit(Number(route.slice('api/unit/'.length))));
    }
    if (route === 'api/grade') {
      if (method !== 'POST') return sendText(res, 405, 'method not allowed', { Allow: 'POST' });
      // A cross-site form cannot send application/json, and a page of another origin is refused by name.
      const origin = req.headers.origin;
      if (origin !== undefined && origin.toLowerCase() !== `http://${hostHeader}`) {
        return sendText(res, 403, 'forbidden: cross-origin request');
      }
      if (!/^application\/json\b/.test(String(req.headers['content-type'] ?? ''))) {
        return sendText(res, 415, 'send application/json');
      }
      const body = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return send(res, 400, { error: 'the body is not JSON' });
      }
      const request = saveSchema.safeParse(parsed);
      if (!request.success) {
        const issue = request.error.issues[0];
        return send(res, 400, { error: `bad request: ${issue.path.join('.') || 'body'} ${issue.message}` });
      }
      const { record, written } = desk.save(request.data);
      const reply: SaveReply = {
        ok: true,
        written,
        total: record.total,
        maxPoints: record.maxPoints,
        at: record.at,
        revealed: desk.unit(request.data.i).revealed,
      };
      return send(res, 200, reply);
    }
    return sendText(res, 404, 'not found');
  }

  function hasToken(path: string): boolean {
    const given = Buffer.from(path.slice(0, prefix.length));
    const want = Buffer.from(prefix);
    if (given.length === want.length) return timingSafeEqual(given, want);
    return path === prefix.slice(0, -1) && timingSafeEqual(Buffer.from(`${path}/`), want);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new HeldoutError(`cannot listen on ${host}:${opts.port ?? 0}: ${err.code ?? err.message}`, {
          hint: err.code === 'EADDRINUSE' ? 'choose another --port, or leave it out for a free one' : undefined,
        }),
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  hosts = allowedHosts();
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}${prefix}`,
    host,
    port,
    units: desk.size,
    warnings,
    desk,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          log.close();
          resolve();
        });
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new DeskError(413, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendBody(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendFigure(res: ServerResponse, file: { path: string; type: string } | undefined): void {
  if (!file) {
    sendText(res, 404, 'no such figure');
    return;
  }
  readFile(file.path, (err, bytes) => {
    if (err) sendText(res, 404, 'the figure file cannot be read');
    else sendBody(res, 200, file.type, bytes, { 'Content-Security-Policy': FIGURE_CSP });
  });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  sendBody(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  sendBody(res, status, 'text/plain; charset=utf-8', `${text}\n`, extra);
}

function redirect(res: ServerResponse, to: string): void {
  sendBody(res, 308, 'text/plain; charset=utf-8', '', { Location: to });
}
