import { janitorTokens } from '../text/normalize.js';
import { tokenHashes } from './hash.js';
import { buildNgramTableFromWindows, flattenWindows, ngramWindows } from './table.js';
import { packTexts } from './texts.js';
import type { CorpusFile, ScanUnit, WorkerInit } from './types.js';
import { UnitScanner } from './unit.js';

/**
 * A worker's warm-up: while the coordinator still builds the n-gram table (under a second on the four
 * benchmarks), each worker scans a small made-up corpus, then the start of the real corpus, with a table of its
 * own, so that V8 has compiled the field locator, the host of the byte loop, the lookups and the verifier (and
 * tiered up the WebAssembly) before the first real unit arrives.
 *
 * Measured on the dense bench corpus (2 workers): without it, each worker's first units ran up to twice as long as
 * the later ones, because the code ran unoptimised until V8 compiled it, and was thrown away again whenever a line
 * took a branch that no earlier line had taken. So the made-up corpus takes every branch of the hot loop and of the
 * field locator (escapes of every kind, UTF-8 of every length, Unicode whitespace, invalid bytes, control
 * characters, other fields and nested values, malformed lines, long lines, lines that hit the table), and its table
 * is as full as a real one, with a made-up hash collision. The real bytes then take the file-reading path.
 */

const ITEMS = [
  'A gardener waters nine rows of beans, and every row needs four cans of water before the sun is high; how many cans does she carry in a week of dry weather?',
  'The train leaves the northern station at seven, travels two hundred kilometres at a steady pace, and arrives just after ten. What was its average speed?',
];

const FILLER =
  'Our village fair opened on Saturday morning with bread stalls, a brass band and a long queue for the Ferris wheel. Nobody minded the rain, 42 children ran the relay, and the mayor gave a speech.'.split(
    ' ',
  );

/** Text pieces that take the rarer branches of the hot loop once JSON-escaped (or raw, in plain text). */
const ODD = [
  'Café',
  'naïve',
  'Straße',
  '東京',
  'emoji😀',
  'x\u00a0y',
  'p\u2003q',
  'r\u3000s',
  'u\u0085v',
  'w\u1680z',
  'a\u2028b',
  'tab\there',
  'line\nbreak',
  'carriage\rreturn',
  'back\\slash',
  'quote"d',
  'sl/ash',
  'bell\bring',
  'form\ffeed',
  'lone\ud800surrogate',
  'ALL-CAPS!',
  '(paren)',
  '$3.50',
  '{brace}',
  'x\u001cy',
];

/** JSON with every character outside printable ASCII escaped as \\uXXXX (as some dumps are written). */
function asciiEscaped(obj: unknown): string {
  return JSON.stringify(obj).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sentence(seed: number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    const k = (seed * 31 + i * 17) % 97;
    out.push(k < 8 ? ODD[(seed + i) % ODD.length] : FILLER[k % FILLER.length]);
  }
  return out.join(' ');
}

/** The made-up corpus, as JSONL and as plain text. */
function warmUpCorpus(): { jsonl: Buffer; text: Buffer } {
  const lines: (string | Buffer)[] = [];
  const plain: string[] = [];
  for (let d = 0; d < 48; d++) {
    let text = sentence(d, 60 + (d % 5) * 40);
    if (d % 4 === 0) text = `${text} ${ITEMS[d % ITEMS.length]} ${sentence(d + 1, 20)}`;
    if (d % 6 === 0) text = text.toUpperCase();
    const doc = { id: d, meta: { source: 'warm-up', tags: ['a', 'b'], score: 0.5, ok: true, none: null }, text };
    lines.push(d % 3 === 0 ? asciiEscaped(doc) : JSON.stringify(doc));
    plain.push(text.replace(/[\n\r]/g, ' '));
  }
  // A line long enough to fill the hot loop's lookup batch more than once.
  lines.push(JSON.stringify({ text: `${sentence(99, 9_000)} ${ITEMS[0]}` }));
  // Lines the fast path hands to JSON.parse, or rejects: each is a branch of the field locator.
  lines.push(
    '',
    '   ',
    '{}',
    '{"title": "no text here", "n": [1, 2, {"deep": [true, false]}]}',
    '{"text": 42}',
    '{"te\\u0078t": "an escaped key"}',
    '{"text": "unterminated',
    '[1, 2, 3]',
    '{"text": "raw \u0001 control"}',
    `{"text": "${ITEMS[1]}", "text": "${ITEMS[0]}"}`,
    Buffer.concat([Buffer.from('{"text": "invalid '), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(' bytes"}')]),
  );
  const jsonl = Buffer.concat(lines.map((l) => Buffer.concat([typeof l === 'string' ? Buffer.from(l) : l, NL])));
  return { jsonl, text: Buffer.from(`${plain.join('\r\n')}\r\n`) };
}

const NL = Buffer.from('\n');

/** Made-up items beyond ITEMS, so that the warm-up table is as full as a real one (its probes chain). */
function fillerItems(): string[] {
  return Array.from({ length: 14 }, (_, k) => sentence(200 + k, 40));
}

/**
 * The warm-up's own scan setup, shaped as a real `init` message (structured-cloned, like the real one). The last
 * filler item's first window is given the hash of ITEMS[0]'s first window: a made-up 64-bit collision, so that the
 * verifier's path for a slot holding two different n-grams runs too.
 */
function warmUpInit(n: number, field: string): WorkerInit {
  const items = [...ITEMS, ...fillerItems()];
  const windows = items.map((t) => ngramWindows(tokenHashes(janitorTokens(t)), n));
  const last = windows[windows.length - 1];
  last[0] = windows[0][0];
  last[1] = windows[0][1];
  const table = buildNgramTableFromWindows(flattenWindows(windows), n);
  return structuredClone({ n, field, texts: packTexts(items), table });
}

/** A corpus file the warm-up may read the start of (the first file of the scan, when it is plain JSONL or text). */
export interface WarmUpFile {
  path: string;
  format: CorpusFile['format'];
  size: number;
}

/** Bytes of the real corpus the warm-up reads, in units of this size (the second starts mid-line, as most do). */
const REAL_UNIT = 1 << 20;

/**
 * Scans the made-up corpus in slices of a few milliseconds until `stop()` says the real work has arrived or
 * `rounds` passes are done; then, if there is time, the first two megabytes of `file` through the same code path
 * as real units (file reads, a unit that starts mid-line), with the warm-up table. Returns the passes made.
 */
export async function warmUpScanner(stop: () => boolean, rounds = 24, file?: WarmUpFile): Promise<number> {
  const scanner = new UnitScanner(warmUpInit(13, 'text'));
  const { jsonl, text } = warmUpCorpus();
  let done = 0;
  while (done < rounds && !stop()) {
    scanner.scanBuffer(jsonl, 'jsonl');
    scanner.scanBuffer(text, 'text');
    done++;
    // Let the `init` message in between passes.
    await new Promise((r) => setImmediate(r));
  }
  for (let start = 0; file && start < Math.min(file.size, 2 * REAL_UNIT) && !stop(); start += REAL_UNIT) {
    const unit: ScanUnit = {
      id: -1,
      kind: 'scan',
      file: 0,
      path: file.path,
      format: file.format,
      compression: 'none',
      start,
      end: Math.min(file.size, start + REAL_UNIT),
    };
    await scanner.run(unit, () => {});
    await new Promise((r) => setImmediate(r));
  }
  return done;
}
