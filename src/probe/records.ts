import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import { readJsonl } from '../io/jsonl.js';
import { usageSchema } from '../store/records.js';

/**
 * What `heldout probe` writes into a run directory: `probe.json` (what was asked: models, benchmarks, the seeded
 * sample of items, templates, parameters) and `probes.jsonl` (one append-only record per model call). Documented in
 * docs/formats.md.
 */

export const PROBE_FORMAT = 'heldout-probe/1';
export const PROBE_MANIFEST_FILE = 'probe.json';
export const PROBES_FILE = 'probes.jsonl';

export const probeKinds = ['guided', 'ts-guessing', 'min-k'] as const;
export type ProbeKind = (typeof probeKinds)[number];

const scoresSchema = z.object({
  exact: z.boolean(),
  rougeL: z.number().optional(),
  lcn: z.number().int().optional(),
  lcnFraction: z.number().optional(),
  match: z.boolean().optional(),
});

/** One line of `probes.jsonl`: one probe call for one model and one item. */
export const probeRecordSchema = z.object({
  /** `<model>|<probe>|<variant>|<item id>`: the latest record per id counts. */
  id: z.string(),
  model: z.string(),
  probe: z.enum(probeKinds),
  /** guided: `guided` (names the benchmark) or `general` (does not); others: the probe's name. */
  variant: z.string(),
  /** `benchmark` items, or `control` items from the held-out exam. */
  set: z.enum(['benchmark', 'control']),
  /** The benchmark's label, or `exam:<id>` for the control. */
  source: z.string(),
  itemId: z.string(),
  /** The answer (guided, TS-Guessing); absent for Min-K%, whose evidence is in `logprobs`. */
  text: z.string().optional(),
  /** What the answer is scored against: the item's true remainder, or the masked option. */
  reference: z.string().optional(),
  scores: scoresSchema.optional(),
  /** TS-Guessing: the chance of guessing the masked option without memory (see docs). */
  chance: z.number().min(0).max(1).optional(),
  /** Min-K%: the item's token log-probabilities and Min-K%++ z-scores (null: no alternatives returned). */
  logprobs: z.array(z.number()).optional(),
  zscores: z.array(z.number().nullable()).optional(),
  error: z.object({ kind: z.string(), message: z.string(), status: z.number().optional() }).optional(),
  usage: usageSchema.optional(),
  timing: z.object({ startedAt: z.string(), ms: z.number().min(0), attempts: z.number().int().min(0) }).optional(),
  cached: z.boolean().optional(),
  /** The prompt as sent (chat user message, or the completion prompt). */
  prompt: z.string().optional(),
});
export type ProbeRecord = z.infer<typeof probeRecordSchema>;

export const probeRecordId = (model: string, probe: ProbeKind, variant: string, itemId: string) =>
  `${model}|${probe}|${variant}|${itemId}`;

export const probeParamsSchema = z.object({
  seed: z.number().int(),
  /** Items sampled per benchmark. */
  n: z.number().int().min(1),
  probes: z.array(z.enum(probeKinds)).min(1),
  /** Benchmark split sampled (`test`), or all splits. */
  split: z.string().optional(),
  temperature: z.number().min(0).max(2),
  /** Min-K%: the share of lowest-scoring tokens averaged. */
  k: z.number().gt(0).max(1),
  /** Min-K%: top alternatives asked per token. */
  topLogprobs: z.number().int().min(1).max(20),
  alpha: z.number().gt(0).lt(1),
  /** The Handlebars templates used (heldout's defaults unless overridden). */
  templates: z.object({ guided: z.string(), general: z.string(), tsGuessing: z.string() }),
});
export type ProbeParams = z.infer<typeof probeParamsSchema>;

export const probeManifestSchema = z.looseObject({
  format: z.literal(PROBE_FORMAT),
  params: probeParamsSchema,
  models: z.array(
    z.object({ spec: z.string(), provider: z.string(), model: z.string(), baseUrl: z.string().optional() }),
  ),
  benchmarks: z.array(
    z.object({
      label: z.string(),
      name: z.string(),
      path: z.string(),
      hash: z.string(),
      /** The sampled item ids, in order: the sample is recorded, so a resume asks the same items. */
      items: z.array(z.string()),
    }),
  ),
  control: z
    .object({ examId: z.string(), title: z.string(), dir: z.string(), hash: z.string(), items: z.array(z.string()) })
    .optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  status: z.enum(['running', 'complete', 'incomplete', 'interrupted']),
  sessions: z.array(
    z.object({ startedAt: z.string(), finishedAt: z.string().optional(), status: z.string().optional() }),
  ),
});
export type ProbeManifest = z.infer<typeof probeManifestSchema>;

export function hasProbe(dir: string): boolean {
  return existsSync(join(dir, PROBE_MANIFEST_FILE));
}

export function readProbeManifest(dir: string): ProbeManifest {
  const file = join(dir, PROBE_MANIFEST_FILE);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HeldoutError(`cannot read the probe manifest: ${(err as Error).message}`, { where: displayPath(file) });
  }
  const parsed = probeManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HeldoutError(`probe manifest field ${issue.path.join('.') || '(root)'} ${issue.message}`, {
      where: displayPath(file),
    });
  }
  return parsed.data;
}

export function writeProbeManifest(dir: string, manifest: ProbeManifest): void {
  const file = join(dir, PROBE_MANIFEST_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The latest record per id. `repair` truncates a torn last line (a killed probe) before appending. */
export function readProbeRecords(dir: string, opts: { repair?: boolean } = {}) {
  const read = readJsonl(join(dir, PROBES_FILE), probeRecordSchema, opts);
  const latest = new Map<string, ProbeRecord>();
  for (const r of read.records) latest.set(r.id, r);
  return { records: [...latest.values()], torn: read.torn };
}
