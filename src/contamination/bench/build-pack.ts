import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { HeldoutError } from '../../errors.js';
import { displayPath } from '../../io/files.js';
import { sha256 } from '../../io/hash.js';
import { loadBenchmarkSource } from './load.js';
import {
  forgetPackManifest,
  manifestFile,
  PACK_BENCHMARKS,
  PACK_FORMAT,
  type PackEntry,
  type PackManifest,
  type PackRecord,
} from './pack.js';
import type { BenchmarkSource, KnownBenchmark } from './source.js';

/** `heldout bench pack`: writes the offline pack from local copies of the benchmarks, byte for byte reproducibly. */

/** The upstream projects and their MIT licences' copyright lines (each repository's LICENSE file). */
export const UPSTREAM: Record<KnownBenchmark, { project: string; repo: string; copyright: string }> = {
  gsm8k: {
    project: 'GSM8K (Cobbe et al., 2021)',
    repo: 'https://github.com/openai/grade-school-math',
    copyright: 'Copyright (c) 2021 OpenAI',
  },
  math: {
    project: 'MATH (Hendrycks et al., 2021)',
    repo: 'https://github.com/hendrycks/math',
    copyright: 'Copyright (c) 2021 Dan Hendrycks',
  },
  mmlu: {
    project: 'MMLU (Hendrycks et al., 2021)',
    repo: 'https://github.com/hendrycks/test',
    copyright: 'Copyright (c) 2020 Dan Hendrycks',
  },
  humaneval: {
    project: 'HumanEval (Chen et al., 2021)',
    repo: 'https://github.com/openai/human-eval',
    copyright: 'Copyright (c) OpenAI',
  },
};

export function mitLicence(copyright: string): string {
  return `MIT License

${copyright}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
}

/** The JSONL the pack stores for one source's test split: stable key order, one record per line. */
export function packJsonl(source: BenchmarkSource): { jsonl: Buffer; records: number } {
  // A benchmark with one split (HumanEval.jsonl) is its test split.
  const only = source.splits.length === 1;
  const testFiles = new Set(source.files.filter((f) => only || f.split === 'test').map((f) => f.path));
  if (testFiles.size === 0) {
    throw new HeldoutError(`${source.label} has no test split`, {
      where: displayPath(source.path),
      hint: `its splits are ${source.splits.join(', ')}`,
    });
  }
  // Items keep their files' order; the loader put each file's items together, so count off each test file's share.
  const lines: string[] = [];
  let k = 0;
  for (const f of source.files) {
    const chunk = source.items.slice(k, k + f.items);
    k += f.items;
    if (!testFiles.has(f.path)) continue;
    for (const it of chunk) {
      const r: PackRecord = { id: it.id, text: it.text };
      if (it.solution !== undefined) r.solution = it.solution;
      if (it.answer !== undefined) r.answer = it.answer;
      lines.push(JSON.stringify(r));
    }
  }
  return { jsonl: Buffer.from(`${lines.join('\n')}\n`), records: lines.length };
}

export function compressPackFile(jsonl: Buffer): Buffer {
  // Quality 9 with a 16 MB window: within 10% of quality 11's size at a tenth of its time; deterministic.
  return brotliCompressSync(jsonl, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: jsonl.length,
    },
  });
}

export interface BuildPackOptions {
  /** Where each benchmark comes from: a folder (`../shared/benchmarks/gsm8k`) or a `bench pull` cache folder. */
  from: Partial<Record<KnownBenchmark, string>>;
  out: string;
  onBenchmark?: (e: PackEntry) => void;
}

/** Writes the pack: same inputs, same bytes (no dates, no absolute paths, fixed key order and compression). */
export async function buildPack(opts: BuildPackOptions): Promise<PackManifest> {
  const out = resolve(opts.out);
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const entries: PackEntry[] = [];
  try {
    for (const name of PACK_BENCHMARKS) {
      const from = opts.from[name];
      if (!from) continue;
      const source = await loadBenchmarkSource(`${name}=${from}`, { itemCacheDir: false, packDir: false });
      const { jsonl, records } = packJsonl(source);
      const packed = compressPackFile(jsonl);
      const file = `${name}.test.jsonl.br`;
      writeFileSync(join(tmp, file), packed);
      const licenceFile = `${name}.LICENSE`;
      writeFileSync(join(tmp, licenceFile), mitLicence(UPSTREAM[name].copyright));
      const sourceFile = `${name}.SOURCE.md`;
      writeFileSync(join(tmp, sourceFile), sourceNote(from, name));
      const entry: PackEntry = {
        name,
        split: 'test',
        file,
        records,
        sha256: sha256(jsonl),
        fileSha256: sha256(packed),
        bytes: packed.length,
        licence: { name: 'MIT', file: licenceFile },
        source: { file: sourceFile, upstream: UPSTREAM[name].repo, project: UPSTREAM[name].project },
      };
      entries.push(entry);
      opts.onBenchmark?.(entry);
    }
    if (entries.length === 0) {
      throw new HeldoutError('no benchmark to pack', {
        hint: 'pass --from ../shared/benchmarks (a folder with gsm8k, math, mmlu, humaneval), or `heldout bench pull` them first',
      });
    }
    const manifest: PackManifest = {
      format: PACK_FORMAT,
      note: 'Test splits of public benchmarks, for the offline contamination check. Built by `heldout bench pack`; each file is brotli-compressed JSONL ({id, text, solution?, answer?} per line) under its upstream MIT licence.',
      benchmarks: entries,
    };
    writeFileSync(manifestFile(tmp), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    forgetPackManifest();
    return manifest;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The copy's own provenance note (SOURCE.md in a folder, SOURCE.json in the pull cache), else a line saying so. */
function sourceNote(from: string, name: KnownBenchmark): string {
  const up = UPSTREAM[name];
  const head = `# ${up.project}: test split, as packed by heldout\n\nUpstream: ${up.repo} (MIT).\n\n`;
  for (const f of ['SOURCE.md', 'SOURCE.json']) {
    const p = join(resolve(from), f);
    if (existsSync(p)) {
      const body = readFileSync(p, 'utf8');
      return `${head}The copy it was built from describes itself as follows (${f}):\n\n${f.endsWith('.json') ? `\`\`\`json\n${scrubPaths(body)}\`\`\`\n` : body}`;
    }
  }
  return `${head}The copy it was built from had no SOURCE.md.\n`;
}

/** A cache's SOURCE.json names local paths and pull dates; keep only what is reproducible. */
function scrubPaths(json: string): string {
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    const { pulledAt: _p, from: _f, ...rest } = v;
    const files = Array.isArray(rest.files)
      ? (rest.files as { file: string; url: string; sha256: string }[]).map((f) => ({
          file: f.file,
          url: f.url.startsWith('file://') ? undefined : f.url,
          sha256: f.sha256,
        }))
      : undefined;
    return `${JSON.stringify({ ...rest, files }, null, 2)}\n`;
  } catch {
    return json;
  }
}
