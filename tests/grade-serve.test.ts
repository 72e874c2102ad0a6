import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scoreRun } from '../src/grading/score-run.js';
import {
  decodeQueue,
  type QueueReply,
  type SessionWire,
  sessionFromWire,
  type UnitView,
} from '../src/grading/web/protocol.js';
import { bootData, CSP, type GradingServer, isLoopback, startGradingServer } from '../src/grading/web/server.js';
import { readGrades } from '../src/store/grades.js';
import { runCli, runCliAsync } from './helpers/cli.js';
import {
  figureRun,
  getJson,
  getSession,
  gradingRun,
  HOSTILE_SVG,
  PNG,
  postJson,
  serveProcess,
} from './helpers/grade-serve.js';

const open: GradingServer[] = [];
async function serve(runDir: string, opts: Parameters<typeof startGradingServer>[1]) {
  const s = await startGradingServer(runDir, opts);
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** Full marks on every item of a unit, as the page would send them. */
function fullMarks(u: UnitView) {
  return { i: u.i, key: u.key, items: Object.fromEntries(u.items.map((it) => [it.id, it.points])), caps: [] };
}

/** A raw request with a chosen Host header (fetch will not send a forged one). */
function rawGet(port: number, path: string, host: string): Promise<number> {
  return new Promise((res, rej) => {
    const r = request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (resp) => {
      resp.resume();
      res(resp.statusCode ?? 0);
    });
    r.on('error', rej);
    r.end();
  });
}

describe('grade serve: the server', () => {
  it('refuses every request without the token, with the wrong one, or from another origin or host', async () => {
    const dir = gradingRun();
    const s = await serve(dir, { grader: 'ann' });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/g\/[A-Za-z0-9_-]{32}\/$/);
    const base = `http://127.0.0.1:${s.port}`;
    const token = new URL(s.url).pathname.split('/')[2];
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const path of ['/', '/app.js', '/api/session', '/api/unit/0', `/g/${wrong}/`, `/g/${wrong}/api/session`]) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    const unit = await getJson<UnitView>(`${s.url}api/unit/0`);
    // A save without the token writes nothing.
    expect((await postJson(`${base}/api/grade`, fullMarks(unit))).status).toBe(403);
    expect((await postJson(`${base}/g/${wrong}/api/grade`, fullMarks(unit))).status).toBe(403);
    // With the token but from another origin, as a form would post, or with a rebinding Host: refused.
    expect((await postJson(`${s.url}api/grade`, fullMarks(unit), { Origin: 'http://evil.example' })).status).toBe(403);
    const form = await fetch(`${s.url}api/grade`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(fullMarks(unit)),
    });
    expect(form.status).toBe(415);
    expect(await rawGet(s.port, new URL(s.url).pathname, `evil.example:${s.port}`)).toBe(421);
    expect((await fetch(`${s.url}api/session`, { method: 'OPTIONS' })).status).toBe(405);
    expect(readGrades(dir)).toEqual([]);
    // The page itself: strict CSP, no CORS, nothing cached.
    const page = await fetch(s.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toContain('unsafe');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<script src="app.js" defer></script>');
    // The same origin with the token may save.
    expect((await postJson(`${s.url}api/grade`, fullMarks(unit), { Origin: base })).status).toBe(200);
    expect(readGrades(dir)).toHaveLength(1);
  });

  it('puts the first screen in the page as inert data', async () => {
    const data = bootData({ text: '</script><script>alert(1)</script><!-- \u2028' });
    expect(data).not.toContain('<');
    expect(data).not.toContain('\u2028');
    expect(JSON.parse(data)).toEqual({ text: '</script><script>alert(1)</script><!-- \u2028' });
    const dir = gradingRun();
    const s = await serve(dir, { grader: 'ann' });
    const html = await (await fetch(s.url)).text();
    const boot = /<script type="application\/json" id="boot">(.*)<\/script>/.exec(html)![1];
    const { session: wire, unit } = JSON.parse(boot) as { session: SessionWire; unit: UnitView };
    const session = sessionFromWire(wire);
    expect(session.queue).toHaveLength(12);
    // The queue travels compact: four distinct labels and one number per unit.
    expect(wire.queue.labels).toEqual(['Q1', 'Q2 (a)', 'Q2 (b)', 'Q3']);
    expect(wire.queue.codes).toHaveLength(12);
    expect(unit.i).toBe(session.start);
    expect(html).not.toContain('secret-model');
  });

  it('answers a queue poll with 304 until the grades change, here or in another server', async () => {
    const dir = gradingRun();
    const ann = await serve(dir, { grader: 'ann', seed: 3 });
    const ben = await serve(dir, { grader: 'ben', seed: 4 });
    const first = await fetch(`${ann.url}api/queue`);
    const etag = first.headers.get('etag')!;
    const reply = (await first.json()) as QueueReply;
    expect(reply.version).toBe(etag);
    expect((await getSession(ann.url)).version).toBe(etag);
    expect(decodeQueue(reply.queue).every((e) => e.s === 0)).toBe(true);
    const poll = (url: string, tag: string) => fetch(`${url}api/queue`, { headers: { 'If-None-Match': tag } });
    const same = await poll(ann.url, etag);
    expect(same.status).toBe(304);
    expect(await same.text()).toBe('');
    // Ben saves on his own server (another process could, the same way): Ann's poll sees a new version.
    const u = await getJson<UnitView>(`${ben.url}api/unit/0`);
    expect((await postJson(`${ben.url}api/grade`, fullMarks(u))).status).toBe(200);
    const changed = await poll(ann.url, etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    // Ann saves the same answer with other points: her entry is graded and the two now disagree.
    const annSession = await getSession(ann.url);
    const mine = await Promise.all(
      annSession.queue.filter((e) => e.label === u.label).map((e) => getJson<UnitView>(`${ann.url}api/unit/${e.i}`)),
    );
    const same2 = mine.find((x) => x.answerId === u.answerId)!;
    const zero = { ...fullMarks(same2), items: Object.fromEntries(same2.items.map((it) => [it.id, 0])) };
    expect((await postJson(`${ann.url}api/grade`, zero)).status).toBe(200);
    const after = decodeQueue(((await (await fetch(`${ann.url}api/queue`)).json()) as QueueReply).queue);
    expect(after[same2.i]).toMatchObject({ s: 1, d: true });
    expect(after.filter((e) => e.s > 0)).toHaveLength(1);
    // The poll is under the token like everything else.
    const base = `http://127.0.0.1:${ann.port}`;
    expect((await fetch(`${base}/api/queue`)).status).toBe(403);
  });

  it("serves the exam's figures under the token, numbered, with a sandboxing CSP", async () => {
    const dir = figureRun();
    const s = await serve(dir, { grader: 'ann', blind: false });
    const session = await getSession(s.url);
    const unitOf = async (label: string) =>
      getJson<UnitView>(`${s.url}api/unit/${session.queue.find((e) => e.label === label)!.i}`);
    const q1 = await unitOf('Q1');
    expect(q1.questionFigures).toEqual([{ alt: 'A balance <b>scale</b>.', file: 'figures/scale.png', src: 'fig/0' }]);
    expect(q1.partFigures).toBeUndefined();
    const b = await unitOf('Q2 (b)');
    expect(b.questionFigures).toBeUndefined();
    expect(b.partFigures).toEqual([
      { alt: 'A number line from -3 to 5.', file: 'figures/line.svg', src: 'fig/1' },
      // A missing file is described, never linked.
      { alt: 'A missing plot.', file: 'figures/gone.png' },
    ]);
    expect((await unitOf('Q2 (a)')).partFigures).toBeUndefined();
    const png = await fetch(`${s.url}fig/0`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer())).toEqual(PNG);
    const svg = await fetch(`${s.url}fig/1`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('content-security-policy')).toMatch(/^default-src 'none'.*; sandbox$/);
    expect(svg.headers.get('access-control-allow-origin')).toBeNull();
    expect(await svg.text()).toBe(HOSTILE_SVG);
    expect((await fetch(`${s.url}fig/2`)).status).toBe(404);
    expect((await fetch(`${s.url}fig/../exam.yaml`)).status).not.toBe(200);
    expect((await fetch(`http://127.0.0.1:${s.port}/fig/0`)).status).toBe(403);
  });

  it('binds loopback only unless told otherwise', async () => {
    const dir = gradingRun();
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0') || isLoopback('192.168.1.5')).toBe(false);
    await expect(startGradingServer(dir, { grader: 'ann', host: '0.0.0.0' })).rejects.toThrow(
      /--host 0\.0\.0\.0 is not a loopback address/,
    );
    const r = runCli(['grade', 'serve', dir, '--grader', 'ann', '--host', '0.0.0.0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a loopback address.*--allow-remote/s);
    const s = await serve(dir, { grader: 'ann', host: '0.0.0.0', allowRemote: true });
    expect(s.warnings.join()).toMatch(/anyone on that network/);
  });

  it('is blind: no model names, no other person’s points, machine verdicts only after deciding', async () => {
    const dir = gradingRun();
    const ann = await serve(dir, { grader: 'ann', seed: 5 });
    const annSession = await getSession(ann.url);
    expect(annSession.queue).toHaveLength(12);
    // Ann grades everything with full marks.
    for (const e of annSession.queue) {
      const u = await getJson<UnitView>(`${ann.url}api/unit/${e.i}`);
      expect(u.revealed).toBeUndefined();
      expect((await postJson(`${ann.url}api/grade`, { ...fullMarks(u), comment: 'ann-was-here' })).status).toBe(200);
    }
    // An automatic verdict for one unit, written the way the checker writes it.
    // Async: the server runs in this process and must keep answering.
    await runCliAsync(['grade', dir, '--auto']);
    expect(readGrades(dir).filter((g) => g.grader.kind === 'auto')).toHaveLength(12);
    const again = await getJson<UnitView>(`${ann.url}api/unit/0`);
    expect(again.revealed?.beforeDecision).toBe(false);
    expect(again.revealed?.checker?.kind).toBe('auto');

    const ben = await serve(dir, { grader: 'ben', seed: 9 });
    const texts: string[] = [];
    const benSession = await getSession(ben.url);
    texts.push(JSON.stringify(benSession));
    expect(benSession.queue.every((e) => e.s === 0)).toBe(true);
    expect(benSession.start).toBe(0);
    for (const e of benSession.queue) {
      const u = await getJson<UnitView>(`${ben.url}api/unit/${e.i}`);
      expect(u.mine).toBeUndefined();
      expect(u.revealed).toBeUndefined();
      expect(u.graders).toBeUndefined();
      texts.push(JSON.stringify(u));
    }
    const all = texts.join('\n');
    expect(all).not.toContain('"ann"');
    expect(all).not.toContain('ann-was-here');
    expect(all).not.toContain('secret-model');
    // Each grader has their own recorded order.
    expect(benSession.queue.map((e) => e.label)).toEqual(annSession.queue.map((e) => e.label));
    const benOrder = await Promise.all(
      benSession.queue.map(async (e) => (await getJson<UnitView>(`${ben.url}api/unit/${e.i}`)).key),
    );
    const annOrder = await Promise.all(
      annSession.queue.map(async (e) => (await getJson<UnitView>(`${ann.url}api/unit/${e.i}`)).key),
    );
    expect(new Set(benOrder)).toEqual(new Set(annOrder));
    expect(benOrder).not.toEqual(annOrder);
  });

  it("the review queue: the checker's undetermined units and human/judge disagreements", async () => {
    const dir = gradingRun();
    const at = '2026-12-01T00:00:00.000Z';
    const base = { status: 'graded' as const, items: {}, maxPoints: 2, at };
    const lines = [
      // The checker could not decide model a's question 1.
      {
        ...base,
        responseId: 'secret-model-a|1|0',
        unitId: '1',
        grader: { kind: 'auto', id: 'auto' },
        status: 'undetermined',
        verdict: { outcome: 'undetermined', reason: 'no final answer' },
        total: 0,
      },
      // A judge and a person disagree on model b's question 1; they agree on model c's.
      { ...base, responseId: 'secret-model-b|1|0', unitId: '1', grader: { kind: 'judge', id: 'judge:x' }, total: 2 },
      { ...base, responseId: 'secret-model-b|1|0', unitId: '1', grader: { kind: 'human', id: 'zoe' }, total: 0 },
      { ...base, responseId: 'secret-model-c|1|0', unitId: '1', grader: { kind: 'judge', id: 'judge:x' }, total: 1 },
      { ...base, responseId: 'secret-model-c|1|0', unitId: '1', grader: { kind: 'human', id: 'zoe' }, total: 1 },
    ];
    writeFileSync(join(dir, 'grades.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const s = await serve(dir, { grader: 'ann', blind: false, filter: 'review' });
    const session = await getSession(s.url);
    const review = session.queue.filter((e) => e.u || e.d);
    expect(review).toHaveLength(2);
    const views = await Promise.all(review.map((e) => getJson<UnitView>(`${s.url}api/unit/${e.i}`)));
    expect(views.map((v) => v.model).sort()).toEqual(['secret-model-a', 'secret-model-b']);
    // The page starts in the review queue, and the verdicts stay hidden until Ann decides.
    expect(session.filter).toBe('review');
    expect(review.map((e) => e.i)).toContain(session.start);
    expect(views.every((v) => v.revealed === undefined && v.graders === undefined)).toBe(true);
    const a = views.find((v) => v.model === 'secret-model-a')!;
    expect((await postJson(`${s.url}api/grade`, fullMarks(a))).status).toBe(200);
    const after = await getJson<UnitView>(`${s.url}api/unit/${a.i}`);
    expect(after.revealed?.checker?.verdict).toMatchObject({ outcome: 'undetermined', reason: 'no final answer' });
    // The judge's points are machine verdicts (shown after deciding); Zoe's are a person's (never shown to Ann).
    const b = views.find((v) => v.model === 'secret-model-b')!;
    expect((await postJson(`${s.url}api/grade`, fullMarks(b))).status).toBe(200);
    const bAfter = await getJson<UnitView>(`${s.url}api/unit/${b.i}`);
    expect(bAfter.revealed?.judges.map((j) => j.id)).toEqual(['judge:x']);
    expect(JSON.stringify(bAfter)).not.toContain('zoe');
    // Review mode shows the verdicts before deciding, marked as such.
    const r = await serve(dir, { grader: 'rob', blind: false, review: true });
    const first = await getJson<UnitView>(`${r.url}api/unit/${a.i}`);
    expect(first.revealed).toMatchObject({ beforeDecision: true, checker: { kind: 'auto' } });
    // Adjudication lists only the disagreement, with both sides.
    const adj = await serve(dir, { grader: 'carol', adjudicate: true, blind: false });
    const adjSession = await getSession(adj.url);
    expect(adjSession.queue).toHaveLength(1);
    const unit = await getJson<UnitView>(`${adj.url}api/unit/0`);
    expect(unit.graders?.map((g) => g.id).sort()).toEqual(['ann', 'judge:x', 'zoe']);
    const noReason = await postJson(`${adj.url}api/grade`, fullMarks(unit));
    expect(noReason.status).toBe(400);
    expect(noReason.body).toMatch(/needs a reason/);
    expect((await postJson(`${adj.url}api/grade`, { ...fullMarks(unit), comment: 'all shown' })).status).toBe(200);
    expect(readGrades(dir).at(-1)).toMatchObject({
      grader: { kind: 'adjudicated', id: 'carol' },
      comment: 'all shown',
      adjudicates: ['judge:x', 'zoe', 'ann'],
    });
    // Settled: it leaves the graders' review queue, and stays in the adjudicator's list as done.
    const annAfter = await getSession(s.url);
    expect(annAfter.queue[b.i].d).toBe(false);
    const adjAfter = await getSession(adj.url);
    expect(adjAfter.queue[0]).toMatchObject({ d: true, s: 1 });
  });

  it('validates a decision and enforces the rubric: caps, requires and item maxima', async () => {
    const dir = gradingRun();
    const s = await serve(dir, { grader: 'ann', blind: false });
    const session = await getSession(s.url);
    const idx = session.queue.find((e) => e.label === 'Q2 (b)')!.i;
    const u = await getJson<UnitView>(`${s.url}api/unit/${idx}`);
    expect(u.model).toMatch(/^secret-model-/);
    expect(u.items.map((i) => [i.id, i.requires])).toEqual([
      ['2b.1', undefined],
      ['2b.2', ['2b.1']],
    ]);
    const post = (body: object) => postJson(`${s.url}api/grade`, { i: idx, key: u.key, caps: [], ...body });
    const error = async (body: object) => JSON.parse((await post(body)).body).error as string;
    expect(await error({ items: { '2b.1': 2, '2b.2': 1 } })).toMatch(/item 2b\.1: at most 1 points/);
    expect(await error({ items: { '2b.1': 1 } })).toMatch(/no points for 2b\.2/);
    expect(await error({ items: { '2b.1': 1, '2b.2': 1, nope: 0 } })).toMatch(/"nope" is not a rubric item/);
    expect((await post({ items: { '2b.1': 1, '2b.2': 1 }, caps: ['1.cap'] })).status).toBe(400);
    expect((await post({ key: 'x', items: { '2b.1': 1, '2b.2': 1 } })).status).toBe(409);
    expect((await post({ items: { '2b.1': -1, '2b.2': 1 } })).status).toBe(400);
    // requires: 2b.2 without 2b.1 counts 0; the cap the grader ticks limits the total.
    const r1 = await post({ items: { '2b.1': 0, '2b.2': 1 } });
    expect(JSON.parse(r1.body)).toMatchObject({ total: 0, written: true });
    const r2 = await post({
      items: { '2b.1': 1, '2b.2': 1 },
      caps: ['2b.cap'],
      comment: ' tried values ',
      flagged: true,
    });
    expect(JSON.parse(r2.body)).toMatchObject({ total: 1, written: true });
    // The same decision again appends nothing.
    const r3 = await post({
      items: { '2b.1': 1, '2b.2': 1 },
      caps: ['2b.cap'],
      comment: 'tried values',
      flagged: true,
    });
    expect(JSON.parse(r3.body)).toMatchObject({ total: 1, written: false });
    const grades = readGrades(dir);
    expect(grades).toHaveLength(2);
    expect(grades[0]).toMatchObject({ total: 0, note: '2b.2: 0 because it requires 2b.1' });
    expect(grades[1]).toMatchObject({
      grader: { kind: 'human', id: 'ann' },
      status: 'graded',
      caps: ['2b.cap'],
      total: 1,
      comment: 'tried values',
      flagged: true,
    });
    const after = await getSession(s.url);
    expect(after.queue[idx].s).toBe(2);
  });

  it('two graders on two servers (two processes) saving at once corrupt nothing', async () => {
    const dir = gradingRun();
    const [a, b] = await Promise.all([
      serveProcess([dir, '--grader', 'ann', '--seed', '1']),
      serveProcess([dir, '--grader', 'ben', '--seed', '2']),
    ]);
    try {
      const units = async (url: string) => {
        const s = await getSession(url);
        return Promise.all(s.queue.map((e) => getJson<UnitView>(`${url}api/unit/${e.i}`)));
      };
      const [ua, ub] = await Promise.all([units(a.url), units(b.url)]);
      // Every unit, five times each, interleaved between the two processes (later saves supersede earlier ones).
      const saves: Promise<{ status: number }>[] = [];
      for (let round = 0; round < 5; round++) {
        for (let k = 0; k < ua.length; k++) {
          const comment = 'x'.repeat(2000 + round);
          saves.push(postJson(`${a.url}api/grade`, { ...fullMarks(ua[k]), comment: `${round}${comment}` }));
          saves.push(postJson(`${b.url}api/grade`, { ...fullMarks(ub[k]), comment: `${round}${comment}` }));
        }
      }
      const results = await Promise.all(saves);
      expect(results.every((r) => r.status === 200)).toBe(true);
      const lines = readFileSync(join(dir, 'grades.jsonl'), 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(120);
      const grades = readGrades(dir);
      expect(grades.filter((g) => g.grader.id === 'ann')).toHaveLength(60);
      expect(grades.filter((g) => g.grader.id === 'ben')).toHaveLength(60);
      // Each server sees the other's writes without a restart.
      const sa = await getSession(a.url);
      expect(sa.queue.every((e) => e.s === 1)).toBe(true);
    } finally {
      // SIGTERM (or Ctrl-C) stops the server cleanly.
      expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
    }
    expect(scoreRun(dir).models).toHaveLength(3);
  });
});
