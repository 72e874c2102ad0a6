import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressPackFile } from '../src/contamination/bench/build-pack.js';
import { loadBenchmarkSource } from '../src/contamination/bench/load.js';
import { DEFAULT_PACK_DIR, loadPackSource, type PackManifest } from '../src/contamination/bench/pack.js';
import { runCli, tempDir } from './helpers/cli.js';
import { sharedBenchmarks } from './helpers/shared.js';

const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as PackManifest;
const EXPECTED = { gsm8k: 1319, math: 5000, mmlu: 14042, humaneval: 164 };

describe('the offline benchmark pack', () => {
  it('holds the four test splits with licences and sources; each count and sha256 matches; ≤ 6 MB', () => {
    const m = manifest(DEFAULT_PACK_DIR);
    expect(m.benchmarks.map((b) => [b.name, b.records])).toEqual(Object.entries(EXPECTED));
    let total = 0;
    for (const b of m.benchmarks) {
      const packed = readFileSync(join(DEFAULT_PACK_DIR, b.file));
      expect(createHash('sha256').update(packed).digest('hex')).toBe(b.fileSha256);
      const jsonl = brotliDecompressSync(packed);
      expect(createHash('sha256').update(jsonl).digest('hex')).toBe(b.sha256);
      const lines = jsonl.toString('utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(b.records);
      const first = JSON.parse(lines[0]);
      expect(typeof first.id).toBe('string');
      expect(typeof first.text).toBe('string');
      if (b.name === 'mmlu') expect(first.answer).toMatch(/^[A-D]$/);
      else expect(typeof first.solution).toBe('string');
      const licence = readFileSync(join(DEFAULT_PACK_DIR, b.licence.file), 'utf8');
      expect(licence).toMatch(/^MIT License/);
      expect(licence).toMatch(/Copyright \(c\)/);
      expect(readFileSync(join(DEFAULT_PACK_DIR, b.source.file), 'utf8')).toContain(b.source.upstream);
      total += statSync(join(DEFAULT_PACK_DIR, b.file)).size;
    }
    const all = readdirSync(DEFAULT_PACK_DIR).reduce((s, f) => s + statSync(join(DEFAULT_PACK_DIR, f)).size, 0);
    expect(all).toBeLessThanOrEqual(6e6);
    expect(total).toBeGreaterThan(1e6);
  });

  it('a rebuild from ../shared/benchmarks gives the same bytes', () => {
    const shared = sharedBenchmarks();
    if (!shared) return;
    const out = join(tempDir(), 'pack');
    const r = runCli(['bench', 'pack', '--from', shared, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/packed gsm8k, math, mmlu, humaneval/);
    const files = readdirSync(DEFAULT_PACK_DIR).sort();
    expect(readdirSync(out).sort()).toEqual(files);
    for (const f of files)
      expect(readFileSync(join(out, f)).equals(readFileSync(join(DEFAULT_PACK_DIR, f))), f).toBe(true);
  }, 180_000);

  it('a name that is not pulled loads from the pack; a damaged pack file is refused', async () => {
    const empty = tempDir();
    const s = await loadBenchmarkSource('gsm8k', { benchDir: empty });
    expect(s.origin).toBe('pack');
    expect(s.items).toHaveLength(1319);
    expect(s.items[0].id).toBe('gsm8k/test:1');
    expect(s.items[0].solution).toMatch(/<<.*>>/);
    const copy = join(tempDir(), 'pack');
    cpSync(DEFAULT_PACK_DIR, copy, { recursive: true });
    const m = manifest(copy);
    const jsonl = brotliDecompressSync(readFileSync(join(copy, m.benchmarks[0].file)));
    jsonl[40] ^= 1;
    writeFileSync(join(copy, m.benchmarks[0].file), compressPackFile(jsonl));
    expect(() => loadPackSource('gsm8k', { packDir: copy })).toThrow(/does not match its manifest/);
  });

  it('a second load reads the items from the item cache, equal to the parsed ones (MMLU answer letters too)', () => {
    const cache = tempDir();
    const cold = loadPackSource('mmlu', { itemCacheDir: cache });
    expect(readdirSync(cache)).toHaveLength(1);
    const warm = loadPackSource('mmlu', { itemCacheDir: cache });
    expect(warm.hash).toBe(cold.hash);
    expect(warm.items).toHaveLength(14042);
    // Items read one by one (as a check does), then all of them.
    for (const i of [0, 7, 14041]) expect(warm.items[i]).toEqual(cold.items[i]);
    expect(warm.items[7].answer).toMatch(/^[A-D]$/);
    expect([...warm.items]).toEqual(cold.items);
  });

  it('overlapping splits are counted once: MATH500 ⊂ MATH test', async () => {
    const shared = sharedBenchmarks();
    if (!shared) return;
    const s = await loadBenchmarkSource(join(shared, 'math'), { itemCacheDir: false });
    expect(s.items).toHaveLength(12500);
    expect(s.duplicates).toEqual([{ file: expect.stringMatching(/math500_test\.jsonl$/), count: 500 }]);
    expect(s.items.some((i) => i.id.startsWith('math/math500_test'))).toBe(false);
  });
});
