import { seededRandom } from '../../random.js';
import { CHAR_GRAM, fieldText, type IndexSpec, lookup, type NgramIndex } from '../bench/ngram-index.js';
import { gpt4Chars } from '../text/normalize.js';
import type { PreparedSource } from './prepare.js';
import type { CharHasher } from './rules.js';
import { GPT4_MIN_CHARS, GPT4_SAMPLE_CHARS, GPT4_SAMPLES } from './rules.js';

/** gpt4-50char: three seeded 50-character samples of a text, each looked for in every benchmark item. */

/**
 * The random generator's seed for a text's samples: FNV-1a over its UTF-16 code units, finished with fmix32.
 * Not an n-gram hash: it only has to stay the same so that a text keeps the samples earlier reports drew.
 */
function sampleSeed(s: string): number {
  let a = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) a = Math.imul(a ^ s.charCodeAt(i), 0x01000193);
  let h = a ^ s.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Start offsets of the sampled substrings: seeded by the text itself, so the same text always gets the same samples. */
export function gpt4Samples(processed: string, seed = 'heldout'): { start: number; text: string }[] {
  if (processed.length < GPT4_MIN_CHARS) return [];
  if (processed.length <= GPT4_SAMPLE_CHARS) return [{ start: 0, text: processed }];
  const rand = seededRandom(sampleSeed(`${seed}\0${processed}`));
  const out: { start: number; text: string }[] = [];
  for (let k = 0; k < GPT4_SAMPLES; k++) {
    const start = Math.floor(rand() * (processed.length - GPT4_SAMPLE_CHARS + 1));
    out.push({ start, text: processed.slice(start, start + GPT4_SAMPLE_CHARS) });
  }
  return out;
}

const MAX_CHAR_HITS = 50;

function itemChars(p: PreparedSource, field: IndexSpec['field'], it: number): string {
  const key = `${field}|${it}`;
  let s = p.charMemo.get(key);
  if (s === undefined) {
    s = gpt4Chars(fieldText(p.source.items[it], field));
    p.charMemo.set(key, s);
  }
  return s;
}

/** Every item's processed text, concatenated (for whole-text search of short samples). */
function allChars(p: PreparedSource, field: IndexSpec['field']): { chars: string; starts: Uint32Array } {
  let a = p.allChars.get(field);
  if (!a) {
    const starts = new Uint32Array(p.source.items.length + 1);
    const parts: string[] = [];
    let pos = 0;
    for (let it = 0; it < p.source.items.length; it++) {
      starts[it] = pos;
      const s = itemChars(p, field, it);
      parts.push(s);
      pos += s.length;
    }
    starts[p.source.items.length] = pos;
    a = { chars: parts.join(''), starts };
    p.allChars.set(field, a);
  }
  return a;
}

/** Items of the source whose processed text contains `sample`, with the position. */
export function findSample(
  p: PreparedSource,
  index: NgramIndex,
  sample: string,
  charHasher: CharHasher,
): { it: number; pos: number }[] {
  return sample.length >= 2 * CHAR_GRAM
    ? findThroughIndex(p, index, sample, charHasher)
    : findByScan(p, index.spec.field, sample);
}

/** Any occurrence of a 2g-character string covers one whole indexed g-gram (indexed every g positions). */
function findThroughIndex(
  p: PreparedSource,
  index: NgramIndex,
  sample: string,
  charHasher: CharHasher,
): { it: number; pos: number }[] {
  const out: { it: number; pos: number }[] = [];
  const seen = new Set<number>();
  for (let o = 0; o <= sample.length - CHAR_GRAM && out.length < MAX_CHAR_HITS; o++) {
    const [hi, lo] = charHasher(sample, o, CHAR_GRAM);
    for (const it of lookup(index, hi, lo)) {
      if (seen.has(it)) continue;
      seen.add(it);
      const pos = itemChars(p, index.spec.field, it).indexOf(sample);
      if (pos >= 0) out.push({ it, pos });
    }
  }
  return out;
}

/** Short texts are compared whole (the GPT-4 rule): a plain scan, kept within item boundaries. */
function findByScan(p: PreparedSource, field: IndexSpec['field'], sample: string): { it: number; pos: number }[] {
  const out: { it: number; pos: number }[] = [];
  const seen = new Set<number>();
  const { chars, starts } = allChars(p, field);
  const count = p.source.items.length;
  let from = 0;
  while (out.length < MAX_CHAR_HITS) {
    const pos = chars.indexOf(sample, from);
    if (pos < 0) break;
    let a = 0;
    let b = count - 1;
    while (a < b) {
      const m = (a + b + 1) >>> 1;
      if (starts[m] <= pos) a = m;
      else b = m - 1;
    }
    // Skip empty items that share the start offset.
    let it = a;
    while (it + 1 < count && starts[it + 1] <= pos) it++;
    if (pos + sample.length <= starts[it + 1] && !seen.has(it)) {
      seen.add(it);
      out.push({ it, pos: pos - starts[it] });
    }
    from = pos + 1;
  }
  return out;
}
