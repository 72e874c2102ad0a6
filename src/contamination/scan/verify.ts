import { janitorTokensFast } from '../text/janitor-tokens.js';
import { forEachNgramHash, tokenHashes } from './hash.js';
import { bloomTest, findSlot, type NgramTable } from './table.js';
import { type SharedTexts, sharedText } from './texts.js';

/** Token positions fit in 21 bits, so (item, position) packs into one exact double. */
const POS = 2 ** 21;

/**
 * The exact side of the scanner: tokenises a document as the reference janitor normaliser does (`janitorTokensFast`,
 * tested equal to it on random text) and confirms each
 * n-gram whose hash is in the table by comparing tokens with the benchmark text. Only documents the hot loop
 * flagged come here.
 *
 * Dense corpora hit the same benchmark n-grams again and again, and a boilerplate n-gram (MMLU's "true true b
 * false false …" answer options) occurs in up to a thousand items. So the work per hit is kept to what the
 * result needs: one token comparison per table slot and document (all occurrences of a slot are one n-gram,
 * checked the first time the slot is hit, unless two n-grams collide there), the document's items deduplicated
 * with a stamp array instead of a Set per document, and each (item, position) reported once per thread, not once
 * per document.
 */
/** What the verifier knows about a table slot it has met. */
interface SlotInfo {
  /** All occurrences are the same n-gram (else two n-grams collide in this slot). */
  uniform: boolean;
  /** The first occurrence's item tokens and position: the n-gram to compare a window with. */
  tokens: string[];
  pos: number;
  /** Serial of the last document where this slot matched. */
  doc: number;
  /** Its (item, position) pairs are reported: by an earlier unit of this thread, or in `newSlots` by this one. */
  listed: boolean;
}

export class Verifier {
  private readonly tokens = new Map<number, string[]>();
  /** itemStamp[item] === serial: the item is already in the current document's list. */
  private readonly itemStamp: Int32Array;
  private serial = 0;
  /** One record per slot met: one Map lookup per hit window instead of one per question asked. */
  private readonly slotInfo = new Map<number, SlotInfo>();
  /**
   * Slots of a single n-gram first matched since the last `takePositions`: every (item, position) of theirs is
   * matched. A slot is reported once per thread: the coordinator unites what the units report, and a dense corpus
   * matches the same slots in every unit.
   */
  private newSlots: number[] = [];
  /** Other (item, position) pairs matched in this unit (in slots where two n-grams collide), as item · 2^21 + position. */
  private ats = new Set<number>();

  constructor(
    private readonly table: NgramTable,
    private readonly texts: SharedTexts,
  ) {
    this.itemStamp = new Int32Array(Math.max(1, texts.offsets.length - 1));
  }

  itemTokens(item: number): string[] {
    let t = this.tokens.get(item);
    if (!t) {
      t = janitorTokensFast(sharedText(this.texts, item));
      this.tokens.set(item, t);
    }
    return t;
  }

  /** Whether document tokens [i, i + n) equal `it` [pos, pos + n). */
  private same(toks: string[], i: number, it: string[], pos: number): boolean {
    const n = this.table.n;
    for (let j = 0; j < n; j++) if (it[pos + j] !== toks[i + j]) return false;
    return true;
  }

  /** The record of slot s, made the first time: whether every occurrence is the same token sequence. */
  private slot(s: number): SlotInfo {
    let info = this.slotInfo.get(s);
    if (info === undefined) {
      const { n, occ, slots } = this.table;
      const start = slots[(s << 2) + 2] - 1;
      const count = slots[(s << 2) + 3];
      const a = this.itemTokens(occ[2 * start]);
      const ap = occ[2 * start + 1];
      let u = true;
      for (let k = start + 1; k < start + count && u; k++) {
        const b = this.itemTokens(occ[2 * k]);
        const bp = occ[2 * k + 1];
        for (let j = 0; j < n && u; j++) u = a[ap + j] === b[bp + j];
      }
      info = { uniform: u, tokens: a, pos: ap, doc: 0, listed: false };
      this.slotInfo.set(s, info);
    }
    return info;
  }

  /**
   * The items that share an n-gram with `text`, ascending, without duplicates; their matched positions
   * accumulate until `takePositions`.
   */
  match(text: string): number[] {
    const toks = janitorTokensFast(text);
    if (toks.length < this.table.n) return [];
    const items: number[] = [];
    const serial = ++this.serial;
    forEachNgramHash(tokenHashes(toks), this.table.n, (i, h1, h2) => {
      // The Bloom filter is in cache; the table is not, and most windows of a hit document miss it.
      if (!bloomTest(this.table, h1, h2)) return;
      const s = findSlot(this.table, h1, h2);
      if (s >= 0) this.visit(toks, i, s, items, serial);
    });
    return items.sort((a, b) => a - b);
  }

  /**
   * `match`, told by the hot loop where the table hits are: `hits` holds `count` (window, slot) pairs and the hot
   * loop saw `tokens` tokens. Only those windows are compared. The hot loop tokenises as the reference does
   * (tested); should the token counts ever differ, the document is matched the long way instead.
   */
  matchHits(text: string, tokens: number, hits: Int32Array, count: number): number[] {
    const toks = janitorTokensFast(text);
    if (count < 0 || toks.length !== tokens) return this.match(text);
    if (toks.length < this.table.n) return [];
    const items: number[] = [];
    const serial = ++this.serial;
    for (let k = 0; k < count; k++) this.visit(toks, hits[2 * k], hits[2 * k + 1], items, serial);
    return items.sort((a, b) => a - b);
  }

  /** Document window i hashed into table slot s: confirms it token by token and records its items. */
  private visit(toks: string[], i: number, s: number, items: number[], serial: number): void {
    const info = this.slot(s);
    if (info.doc === serial) return;
    const { slots, occ } = this.table;
    const stamp = this.itemStamp;
    const start = slots[(s << 2) + 2] - 1;
    const count = slots[(s << 2) + 3];
    if (info.uniform) {
      // One n-gram in this slot: one comparison decides every occurrence.
      if (!this.same(toks, i, info.tokens, info.pos)) return;
      info.doc = serial;
      for (let k = start; k < start + count; k++) {
        const item = occ[2 * k];
        if (stamp[item] !== serial) {
          stamp[item] = serial;
          items.push(item);
        }
      }
      // Its (item, position) pairs are listed by takePositions, once per thread.
      if (!info.listed) {
        info.listed = true;
        this.newSlots.push(s);
      }
      return;
    }
    // Two n-grams share this 64-bit hash: compare each occurrence (and try the slot again at the next window).
    for (let k = start; k < start + count; k++) {
      const item = occ[2 * k];
      const pos = occ[2 * k + 1];
      if (!this.same(toks, i, this.itemTokens(item), pos)) continue;
      if (stamp[item] !== serial) {
        stamp[item] = serial;
        items.push(item);
      }
      this.ats.add(item * POS + pos);
    }
  }

  /** The (item, position) pairs matched since the last call, as [item, count, position…]…, and starts afresh. */
  takePositions(): number[] {
    const { slots, occ } = this.table;
    let size = this.ats.size;
    for (const s of this.newSlots) size += slots[(s << 2) + 3];
    const keys = new Float64Array(size);
    let at = 0;
    for (const key of this.ats) keys[at++] = key;
    for (const s of this.newSlots) {
      const start = slots[(s << 2) + 2] - 1;
      const end = start + slots[(s << 2) + 3];
      for (let k = start; k < end; k++) keys[at++] = occ[2 * k] * POS + occ[2 * k + 1];
    }
    // A pair belongs to one slot only, so there are no duplicates to drop.
    keys.sort();
    this.ats = new Set();
    this.newSlots = [];
    const out: number[] = [];
    for (let k = 0; k < keys.length; ) {
      const item = Math.floor(keys[k] / POS);
      let e = k;
      while (e < keys.length && Math.floor(keys[e] / POS) === item) e++;
      out.push(item, e - k);
      for (let j = k; j < e; j++) out.push(keys[j] % POS);
      k = e;
    }
    return out;
  }
}
