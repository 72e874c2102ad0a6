// Generates English-like JSONL corpus shards with a fixed seed, optionally with planted benchmark texts.
// Used by bench/scan.bench.js (200+ MB into bench/out/, gitignored) and by tests/scan*.test.ts (small corpora).
// Usage: node bench/gen-corpus.js <out-dir> [megabytes=200] [seed=1] [shards=4]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../dist/random.js';

/** mulberry32, the project's seeded generator. */
export const rng = seededRandom;

const COMMON = (
  'the of and to a in is it you that he was for on are with as I his they be at one have this from or had by ' +
  'not word but what some we can out other were all there when up use your how said an each she which do their ' +
  'time if will way about many then them write would like so these her long make thing see him two has look more ' +
  'day could go come did number sound no most people my over know water than call first who may down side been now find'
).split(' ');
const SYL = [
  'ka',
  'lo',
  'mi',
  'ter',
  'son',
  'ra',
  'ble',
  'ing',
  'tion',
  'pre',
  'con',
  'der',
  'ly',
  'ment',
  'al',
  'en',
  'ou',
  'st',
];
const UNICODE_WORDS = [
  'café',
  'naïve',
  'Zürich',
  'crème',
  'Ελλάδα',
  'москва',
  '東京',
  'emoji😀',
  'façade',
  'coöperate',
];

export function vocabulary(seed = 7, size = 6000) {
  const r = rng(seed);
  const words = [...COMMON];
  while (words.length < size) {
    let w = '';
    const k = 1 + Math.floor(r() * 3);
    for (let i = 0; i < k; i++) w += SYL[Math.floor(r() * SYL.length)];
    words.push(w);
  }
  return words;
}

/** A document of about `chars` characters: sentences with capitals, punctuation, numbers, some line breaks. */
export function makeDocument(r, vocab, chars) {
  const parts = [];
  let len = 0;
  let sentence = 0;
  while (len < chars) {
    const u = r();
    // Zipf-ish: square the uniform so common words dominate.
    let w = vocab[Math.floor(u * u * vocab.length)];
    if (sentence === 0) w = w[0].toUpperCase() + w.slice(1);
    const x = r();
    if (x < 0.01) w = String(Math.floor(r() * 10000));
    else if (x < 0.012) w = UNICODE_WORDS[Math.floor(r() * UNICODE_WORDS.length)];
    else if (x < 0.02) w = `"${w}"`;
    else if (x < 0.025) w = `${w}'s`;
    sentence++;
    let sep = ' ';
    if (sentence > 6 && r() < 0.12) {
      w += r() < 0.8 ? '.' : r() < 0.5 ? '?' : '!';
      sentence = 0;
      sep = r() < 0.15 ? '\n' : r() < 0.02 ? '\n\n' : ' ';
    } else if (r() < 0.06) w += ',';
    else if (r() < 0.003) sep = '\u00a0';
    else if (r() < 0.002) sep = ' \u2014 ';
    parts.push(w, sep);
    len += w.length + sep.length;
  }
  return parts.join('').trimEnd();
}

/** JSON with every non-ASCII character escaped (like Python's json.dumps default). */
export function asciiJson(value) {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Writes `shards` JSONL files totalling about `megabytes` MB. `plant(r, i)` may return a text to splice into
 * document i (for planted contamination); `onPlant({file, line, text})` then hears where it went (line is
 * 1-based), so that a bench can check that every plant is found. `vocab` is ordered by frequency.
 */
export function writeCorpus(dir, { megabytes = 200, seed = 1, shards = 4, plant, onPlant, vocab = vocabulary() } = {}) {
  mkdirSync(dir, { recursive: true });
  const r = rng(seed);
  const perShard = Math.ceil((megabytes * 1e6) / shards);
  const files = [];
  let doc = 0;
  for (let s = 0; s < shards; s++) {
    const lines = [];
    let bytes = 0;
    while (bytes < perShard) {
      let text = makeDocument(r, vocab, 200 + Math.floor(r() * r() * 6000));
      const extra = plant?.(r, doc);
      if (extra) {
        const at = text.indexOf(' ', Math.floor(r() * text.length));
        text = at < 0 ? `${text} ${extra}` : `${text.slice(0, at)} ${extra} ${text.slice(at + 1)}`;
      }
      const obj = { text, meta: { source: 'synthetic', n: doc } };
      const line = r() < 0.2 ? asciiJson(obj) : JSON.stringify(obj);
      lines.push(line);
      if (extra) onPlant?.({ file: `shard-${String(s).padStart(2, '0')}.jsonl`, line: lines.length, text: extra });
      bytes += Buffer.byteLength(line) + 1;
      doc++;
    }
    const file = join(dir, `shard-${String(s).padStart(2, '0')}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    files.push(file);
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, mb = '200', seed = '1', shards = '4'] = process.argv.slice(2);
  const files = writeCorpus(dir, { megabytes: Number(mb), seed: Number(seed), shards: Number(shards) });
  console.log(files.join('\n'));
}
