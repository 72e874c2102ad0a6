import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { HeldoutError } from '../errors.js';
import { parseSource, type SourceDoc, validate } from '../exam/source.js';
import { displayPath, readText } from '../io/files.js';

/** One named model in `heldout.config.yaml` under `models:`. */
export const modelConfigSchema = z
  .object({
    /** The provider spec, e.g. `openai:gpt-4o`, `vllm:Qwen/Qwen2.5-7B`. */
    spec: z.string().min(1),
    baseUrl: z.string().url().optional(),
    /** Name of the environment variable holding the key (never the key itself). */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable, not a key')
      .optional(),
    /** US dollars per 1M tokens, for the cost estimate. */
    prices: z
      .object({ input: z.number().min(0), output: z.number().min(0) })
      .strict()
      .optional(),
    concurrency: z.number().int().min(1).optional(),
    mode: z.enum(['chat', 'completion']).optional(),
    /** Whether the model takes image inputs (figures are then sent as images); default: known vision models. */
    images: z.boolean().optional(),
  })
  .strict();
export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** The file as a whole: `models:` is checked here; other sections (`run:`, …) by the commands that own them. */
export const heldoutConfigSchema = z.looseObject({
  models: z.record(z.string(), modelConfigSchema).optional(),
});

export interface HeldoutConfig {
  /** The file it came from, if any. */
  file?: string;
  doc?: SourceDoc;
  models: Record<string, ModelConfig>;
  /** Every top-level section, e.g. `raw.run` for `run:` defaults. */
  raw: Record<string, unknown>;
}

export const DEFAULT_CONFIG_FILES = ['heldout.config.yaml', 'heldout.config.yml', 'heldout.config.json'];

/**
 * Loads `heldout.config.yaml`: the given file (which must exist), or the first default name found in `cwd`,
 * or an empty config.
 */
export function loadConfig(file?: string, cwd = process.cwd()): HeldoutConfig {
  let path: string | undefined;
  if (file) {
    path = resolve(cwd, file);
    if (!existsSync(path)) throw new HeldoutError('config file not found', { where: displayPath(path) });
  } else {
    path = DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  }
  if (!path) return { models: {}, raw: {} };
  const doc = parseSource(readText(path, 'config file'), path);
  if (doc.value === null || doc.value === undefined) return { file: path, doc, models: {}, raw: {} };
  const parsed = validate(heldoutConfigSchema, doc, 'config');
  return { file: path, doc, models: parsed.models ?? {}, raw: parsed as Record<string, unknown> };
}

/** Where a config section lives, for error messages (`heldout.config.yaml:12:3`). */
export function configWhere(config: HeldoutConfig, path: (string | number)[]): string {
  if (!config.file) return 'config';
  return config.doc ? config.doc.locate(path) : displayPath(config.file);
}
