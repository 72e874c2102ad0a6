import { janitorTokens } from '../text/normalize.js';
import { forEachNgramHash, tokenHashes } from './hash.js';
import { findSlot, type NgramTable } from './table.js';
import { type SharedTexts, sharedText } from './texts.js';

/**
 * The exact side of the scanner: tokenises a document with the REFERENCE janitor normaliser and confirms each
 * n-gram whose hash is in the table by comparing tokens with the benchmark item. Only documents the hot loop
 * flagged come here.
 */
export class Verifier {
  private readonly tokens = new Map<number, string[]>();

  constructor(
    private readonly table: NgramTable,
    private readonly texts: SharedTexts,
  ) {}

  itemTokens(item: number): string[] {
    let t = this.tokens.get(item);
    if (!t) {
      t = janitorTokens(sharedText(this.texts, item));
      this.tokens.set(item, t);
    }
    return t;
  }

  /** Matched (item, token position in item) pairs, flattened and sorted, without duplicates. */
  match(text: string): number[] {
    const n = this.table.n;
    const toks = janitorTokens(text);
    if (toks.length < n) return [];
    const seen = new Set<number>();
    const occ = this.table.occ;
    forEachNgramHash(tokenHashes(toks), n, (i, h1, h2) => {
      const s = findSlot(this.table, h1, h2);
      if (s < 0) return;
      const start = this.table.slots[(s << 2) + 2] - 1;
      const count = this.table.slots[(s << 2) + 3];
      for (let k = start; k < start + count; k++) {
        const item = occ[2 * k];
        const pos = occ[2 * k + 1];
        const key = item * 2 ** 21 + pos;
        if (seen.has(key)) continue;
        const it = this.itemTokens(item);
        let same = true;
        for (let j = 0; j < n; j++) {
          if (it[pos + j] !== toks[i + j]) {
            same = false;
            break;
          }
        }
        if (same) seen.add(key);
      }
    });
    const keys = [...seen].sort((a, b) => a - b);
    const out: number[] = [];
    for (const key of keys) out.push(Math.floor(key / 2 ** 21), key % 2 ** 21);
    return out;
  }
}
