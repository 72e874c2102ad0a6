import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, type FSWatcher, watch } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { isHeldoutError } from '../errors.js';
import { lintExam } from '../exam/lint.js';
import { lintRubric } from '../exam/lint-rubric.js';
import { findExamFile, findRubricFile, loadExam, loadExamDoc, loadRubric, loadRubricDoc } from '../exam/load.js';
import type { Exam, Question, SubPart } from '../exam/schema.js';
import { escapeHtml } from '../html/escape.js';
import { displayPath } from '../io/files.js';
import { toolVersion } from '../version.js';
import { buildRubricPreviewModel, renderRubricPreview } from './rubric-preview.js';
import { CSP, renderPage } from './templates.js';

/**
 * `heldout rubric preview <exam> --watch`: the preview served on 127.0.0.1 and rebuilt on every save of the exam or
 * rubric file, with lint findings shown beside what they concern. The page reloads itself through a one-line
 * script allowed by a per-response nonce (everything else stays as strict as the report: no other script, no
 * network but this server's change events). Every request needs the random token printed at start-up; a request
 * whose Host is not this loopback address (DNS rebinding) or that comes from another origin is refused, and no
 * CORS header is ever sent.
 */

export interface PreviewPage {
  html: string;
  /** Files the page was built from (watched for changes). */
  files: string[];
  ok: boolean;
}

/** Builds the preview with lint inline; a file that does not parse yields a page that says so (and still reloads). */
export async function buildLivePreview(examDir: string, rubricPath?: string): Promise<PreviewPage> {
  const files: string[] = [];
  try {
    files.push(findExamFile(examDir));
    const examLint = lintExam(loadExamDoc(examDir));
    const loaded = loadExam(examDir);
    // A redrawn figure rebuilds the page too.
    for (const f of figureFiles(loaded.exam)) {
      const path = resolve(loaded.dir, f);
      if (existsSync(path) && path.startsWith(resolve(loaded.dir))) files.push(path);
    }
    const rubricFile = rubricPath ? resolve(rubricPath) : findRubricFile(loaded.dir, loaded.exam.id);
    if (rubricFile) files.push(rubricFile);
    let rubric: ReturnType<typeof loadRubric> | undefined;
    const findings = [...examLint.findings];
    if (rubricFile) {
      findings.push(...lintRubric(loaded, loadRubricDoc(loaded, rubricFile)).findings);
      try {
        rubric = loadRubric(loaded, rubricFile);
      } catch {
        // Lint has said why; show the exam without marking.
      }
    }
    const model = buildRubricPreviewModel(loaded.exam, rubric?.rubric, {
      toolVersion: toolVersion(),
      ...(rubricFile ? { rubricFile: displayPath(rubricFile) } : {}),
      findings,
      examDir: loaded.dir,
    });
    return { html: await renderRubricPreview(model), files, ok: true };
  } catch (err) {
    if (!isHeldoutError(err)) throw err;
    if (!files.length) throw err;
    if (rubricPath && !files.includes(resolve(rubricPath))) files.push(resolve(rubricPath));
    else if (files.length === 1) {
      // The rubric may be the broken file: watch where it would be.
      try {
        const loaded = loadExam(examDir);
        const f = findRubricFile(loaded.dir, loaded.exam.id);
        if (f) files.push(f);
      } catch {
        // The exam itself is broken; its file is watched.
      }
    }
    const body = `<header class="masthead"><p class="kicker">Rubric preview</p><h1>Cannot read the exam or rubric</h1></header>
<ul class="lint-findings"><li class="lint-error"><span class="tag bad">error</span> ${escapeHtml(err.format())}</li></ul>
<p class="note">Fix the file and save it: this page reloads by itself.</p>`;
    return { html: renderPage({ title: 'Rubric preview: error', body: body as never }), files, ok: false };
  }
}

export interface PreviewServer {
  url: string;
  token: string;
  port: number;
  /** Resolves after the next rebuild (tests). */
  rebuilt(): Promise<void>;
  /** Pages listening for changes now. */
  listeners(): number;
  close(): Promise<void>;
}

export interface PreviewServerOptions {
  examDir: string;
  rubric?: string;
  port?: number;
  /** Debounce for bursts of file events (an editor's save is several). */
  debounceMs?: number;
  onRebuild?: (page: PreviewPage) => void;
}

/** The page's meta CSP; the header adds frame-ancestors, which browsers honour only in a header. */
const liveCsp = (nonce: string) =>
  `default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; script-src 'nonce-${nonce}'; ` +
  "connect-src 'self'; media-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'";
const liveCspHeader = (nonce: string) => `${liveCsp(nonce)}; frame-ancestors 'none'`;

export async function startRubricPreviewServer(opts: PreviewServerOptions): Promise<PreviewServer> {
  const token = randomBytes(24).toString('hex');
  let page = await buildLivePreview(opts.examDir, opts.rubric);
  let version = 0;
  const clients = new Set<ServerResponse>();
  let waiters: (() => void)[] = [];
  let port = 0;

  const tokenOk = (given: string | null) => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const refuse = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${text}\n`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return refuse(res, 403, 'wrong host');
    const origin = req.headers.origin;
    if (origin && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`)
      return refuse(res, 403, 'cross-origin requests are refused');
    if (req.method !== 'GET') return refuse(res, 405, 'only GET');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (!tokenOk(url.searchParams.get('token'))) return refuse(res, 403, 'missing or wrong token');
    const common = {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (url.pathname === '/') {
      const nonce = randomBytes(16).toString('base64');
      const script = `<script nonce="${nonce}">new EventSource('/events?token=${token}&v=${version}').addEventListener('change',()=>location.reload());</script>`;
      const html = page.html
        .replace(`content="${CSP}"`, `content="${liveCsp(nonce)}"`)
        .replace('</body>', `${script}\n</body>`);
      res.writeHead(200, {
        ...common,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': liveCspHeader(nonce),
        'X-Frame-Options': 'DENY',
      });
      return res.end(html);
    }
    if (url.pathname === '/events') {
      res.writeHead(200, { ...common, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      // A page built before the latest change reloads at once.
      const seen = Number(url.searchParams.get('v'));
      if (Number.isFinite(seen) && seen < version) res.write(`event: change\ndata: ${version}\n\n`);
      else res.write(': connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    return refuse(res, 404, 'not found');
  };

  const server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);

  // Editors save by writing a temp file and renaming it over the original: watch the folders, filter by name.
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let building = Promise.resolve();
  const rewatch = () => {
    for (const w of watchers) w.close();
    const byDir = new Map<string, Set<string>>();
    for (const f of page.files) byDir.set(dirname(f), (byDir.get(dirname(f)) ?? new Set()).add(basename(f)));
    watchers = [...byDir].map(([dir, names]) =>
      watch(dir, (_event, name) => {
        if (name && !names.has(String(name))) return;
        clearTimeout(timer);
        timer = setTimeout(rebuild, opts.debounceMs ?? 120);
      }),
    );
  };
  const rebuild = () => {
    building = building.then(async () => {
      const before = page.files.join('\n');
      try {
        page = await buildLivePreview(opts.examDir, opts.rubric);
      } catch (err) {
        // A file deleted mid-save, or a bug: say so on the page and keep watching.
        const body = `<h1>Cannot build the preview</h1><p>${escapeHtml((err as Error).message ?? String(err))}</p>`;
        page = {
          html: renderPage({ title: 'Rubric preview: error', body: body as never }),
          files: page.files,
          ok: false,
        };
      }
      version++;
      if (page.files.join('\n') !== before) rewatch();
      for (const c of clients) c.write(`event: change\ndata: ${version}\n\n`);
      opts.onRebuild?.(page);
      const done = waiters;
      waiters = [];
      for (const w of done) w();
    });
  };
  rewatch();

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    rebuilt: () => new Promise<void>((ok) => waiters.push(ok)),
    listeners: () => clients.size,
    async close() {
      clearInterval(keepAlive);
      clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const c of clients) c.end();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

function figureFiles(exam: Exam): string[] {
  const out: string[] = [];
  const walk = (n: Question | SubPart) => {
    for (const f of n.figures ?? []) out.push(f.file);
    for (const c of n.subparts ?? []) walk(c);
  };
  for (const p of exam.parts) for (const q of p.questions) walk(q);
  return out;
}
