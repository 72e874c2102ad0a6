import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureBytesHasher } from '../src/exam/figures.js';
import { lintExam } from '../src/exam/lint.js';
import { loadExam, loadExamDoc, loadRubric } from '../src/exam/load.js';
import { contentVersions } from '../src/exam/versions.js';
import { writeRubricPreview } from '../src/report/rubric-preview-file.js';
import { buildPromptItems } from '../src/run/prompt.js';
import { runExam } from '../src/run/runner.js';
import { loadRunResponses } from '../src/store/run.js';
import { type BrowserSession, chromiumPath, launchChromium, openFile } from './helpers/browser.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { startModelServer } from './helpers/model-server.js';

const CHROMIUM = chromiumPath();
const FIXTURE = join(ROOT, 'tests/fixtures/rubric-test');
/** A 2×2 red PNG, written by hand. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><path d="M0 30 L40 30 L0 0 Z" fill="#36c"/></svg>';

/** The rubric-test exam with a figure on question 2 and one on sub-part 2b. */
function examWithFigures(figure2b = 'figures/triangle.svg'): string {
  const dir = join(tempDir(), 'exam');
  cpSync(FIXTURE, dir, { recursive: true });
  mkdirSync(join(dir, 'figures'));
  writeFileSync(join(dir, 'figures/bag.png'), PNG);
  writeFileSync(join(dir, 'figures/triangle.svg'), SVG);
  const exam = readFileSync(join(dir, 'exam.yaml'), 'utf8')
    .replace(
      '        text: A bag holds 3 red and 5 blue marbles.\n',
      '        text: A bag holds 3 red and 5 blue marbles.\n        figures: [{ file: figures/bag.png, alt: "A bag with 3 red and 5 blue marbles." }]\n',
    )
    .replace(
      'One marble is drawn at random. What is the probability that it is red?", points: 3,',
      `One marble is drawn at random. What is the probability that it is red?", figures: [{ file: ${figure2b}, alt: "A right triangle." }], points: 3,`,
    );
  writeFileSync(join(dir, 'exam.yaml'), exam);
  return dir;
}

describe('figures', () => {
  it('lint checks the files: inside the folder, an image kind, present', () => {
    expect(lintExam(loadExamDoc(examWithFigures())).findings).toEqual([]);
    for (const [file, message] of [
      ['figures/nope.png', /figure file "figures\/nope.png" is not there/],
      ['figures/notes.txt', /must be a PNG, SVG or JPEG file/],
      ['../secret.png', /must be a path inside the exam's folder/],
    ] as const) {
      const findings = lintExam(loadExamDoc(examWithFigures(file))).findings;
      expect(findings).toEqual([
        expect.objectContaining({
          severity: 'error',
          rule: 'figure',
          target: '2b',
          message: expect.stringMatching(message),
        }),
      ]);
      expect(findings[0].where).toMatch(/exam\.yaml:\d+:\d+$/);
    }
  });

  it('models are given the alt text in the question (so the run records it)', () => {
    const loaded = loadExam(examWithFigures());
    const [, q2] = buildPromptItems(loaded.exam, { mode: 'chat', splitSubparts: false, shots: 0 });
    const user = q2.messages.at(-1)!.content;
    expect(user).toContain('A bag holds 3 red and 5 blue marbles.\n\n[Figure 1: A bag with 3 red and 5 blue marbles.]');
    expect(user).toContain(
      'b) One marble is drawn at random. What is the probability that it is red? (3 points)\n[Figure 2: A right triangle.]',
    );
    const split = buildPromptItems(loaded.exam, { mode: 'chat', splitSubparts: true, shots: 0 });
    const b = split.find((p) => p.questionId === '2b')!;
    expect(b.messages.at(-1)!.content).toContain('[Figure 2: A right triangle.]');
    expect(split.find((p) => p.questionId === '2a')!.messages.at(-1)!.content).not.toContain('triangle');
  });

  it('a redrawn figure changes the question version of the units under it, and only theirs', () => {
    const dir = examWithFigures();
    const loaded = loadExam(dir);
    const rubric = loadRubric(loaded).rubric;
    const before = contentVersions(loaded.exam, rubric, figureBytesHasher(loaded.exam, loaded.dir));
    writeFileSync(join(dir, 'figures/triangle.svg'), SVG.replace('#36c', '#c63'));
    const after = contentVersions(loaded.exam, rubric, figureBytesHasher(loaded.exam, loaded.dir));
    expect(after.units.get('2b')!.question).not.toBe(before.units.get('2b')!.question);
    expect(after.units.get('2a')!.question).toBe(before.units.get('2a')!.question);
    expect(after.units.get('1')!.question).toBe(before.units.get('1')!.question);
  });
});

describe.skipIf(!CHROMIUM)('figures in the rubric preview, in Chromium', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await launchChromium(CHROMIUM!);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('shows each figure (as data: under the page CSP) with its alt text, and makes no request', async () => {
    const dir = examWithFigures();
    const out = join(tempDir(), 'rubric.html');
    await writeRubricPreview(dir, { out });
    const { page, requests, consoleErrors } = await openFile(session.browser, out);
    const images = await page.$$eval('figure.figure img', (imgs) =>
      imgs.map((i) => {
        const img = i as unknown as { alt: string; naturalWidth: number; src: string };
        return { alt: img.alt, w: img.naturalWidth, src: img.src.slice(0, 22) };
      }),
    );
    expect(images).toEqual([
      { alt: 'A bag with 3 red and 5 blue marbles.', w: 2, src: 'data:image/png;base64,' },
      { alt: 'A right triangle.', w: 40, src: 'data:image/svg+xml;bas' },
    ]);
    expect(await page.textContent('#q--2b figcaption')).toBe('A right triangle.');
    expect(requests.filter((r) => !r.startsWith('file:') && !r.startsWith('data:'))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});

describe('figures sent to models', () => {
  it('as image inputs through the official SDKs to models that take images, as alt text to the others', async () => {
    const server = await startModelServer();
    try {
      const dir = examWithFigures();
      const out = join(tempDir(), 'run');
      const config = {
        models: {
          vision: { spec: 'openai:gpt-4o', baseUrl: server.openaiBaseUrl },
          claude: { spec: 'anthropic:claude-test', baseUrl: server.anthropicBaseUrl },
          'text-only': { spec: 'openai:text-model', baseUrl: server.openaiBaseUrl },
        },
        raw: {},
      };
      await runExam({
        examDir: dir,
        models: ['vision', 'claude', 'text-only'],
        out,
        config,
        noCache: true,
        env: { OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' },
      });
      const q2 = server.requests.filter((r) => JSON.stringify(r.body).includes('A bag holds'));
      const byModel = (m: string) => q2.find((r) => r.body?.model === m)!.body!;
      const userOf = (body: Record<string, unknown>) =>
        (body.messages as { role: string; content: unknown }[]).filter((m) => m.role === 'user').at(-1)!.content;

      // OpenAI: a text part, then the PNG as an image_url data: URL; the SVG stays as its alt text.
      const openai = userOf(byModel('gpt-4o')) as { type: string; text?: string; image_url?: { url: string } }[];
      expect(openai.map((p) => p.type)).toEqual(['text', 'image_url']);
      expect(openai[1].image_url!.url).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
      expect(openai[0].text).toContain('[Figure 1: see image 1]');
      expect(openai[0].text).toContain('[Figure 2: A right triangle.]');

      // Anthropic: a base64 image block before the text.
      const anthropic = userOf(byModel('claude-test')) as { type: string; source?: Record<string, string> }[];
      expect(anthropic.map((p) => p.type)).toEqual(['image', 'text']);
      expect(anthropic[0].source).toEqual({ type: 'base64', media_type: 'image/png', data: PNG.toString('base64') });

      // A model without image input reads the alt text.
      const text = userOf(byModel('text-model'));
      expect(typeof text).toBe('string');
      expect(text).toContain('[Figure 1: A bag with 3 red and 5 blue marbles.]');

      // The run records what each model was given.
      const rs = loadRunResponses(out).filter((r) => r.questionId === '2');
      expect(rs.find((r) => r.model === 'vision')!.figures).toEqual([
        { file: 'figures/bag.png', sent: 'image' },
        { file: 'figures/triangle.svg', sent: 'alt-text', reason: 'SVG is not an image input type' },
      ]);
      expect(rs.find((r) => r.model === 'text-only')!.figures).toEqual([
        { file: 'figures/bag.png', sent: 'alt-text', reason: 'the model does not take image inputs' },
        { file: 'figures/triangle.svg', sent: 'alt-text', reason: 'the model does not take image inputs' },
      ]);
      expect(rs.find((r) => r.model === 'vision')!.messages!.at(-1)!.content).toContain('[Figure 1: see image 1]');
    } finally {
      await server.close();
    }
  }, 60_000);
});
