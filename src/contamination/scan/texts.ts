import type { SharedTexts } from './types.js';

export type { SharedTexts };

/** Packs strings once into shared memory (exact: lone surrogates survive, unlike a UTF-8 round trip). */
export function packTexts(texts: readonly string[]): SharedTexts {
  let total = 0;
  for (const t of texts) total += t.length;
  const units = new Uint16Array(new SharedArrayBuffer(Math.max(1, total) * 2));
  const offsets = new Int32Array(new SharedArrayBuffer((texts.length + 1) * 4));
  let o = 0;
  texts.forEach((t, i) => {
    offsets[i] = o;
    for (let k = 0; k < t.length; k++) units[o + k] = t.charCodeAt(k);
    o += t.length;
  });
  offsets[texts.length] = o;
  return { units, offsets };
}

export function sharedText(t: SharedTexts, i: number): string {
  const start = t.offsets[i];
  const end = t.offsets[i + 1];
  let out = '';
  for (let k = start; k < end; k += 8192) {
    out += String.fromCharCode.apply(null, t.units.subarray(k, Math.min(end, k + 8192)) as unknown as number[]);
  }
  return out;
}
