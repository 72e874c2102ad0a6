import type { Command } from 'commander';
import { z } from 'zod';
import { configSchema, type OptionDefs, type OptionValues, resolveOptions } from './options.js';

/**
 * Options of one command merged with its section of heldout.config.yaml (`score:`, `check:`): typed flags win,
 * then the config file, then defaults. A wrong key or value in the section is an error naming file, line and key.
 */
export async function resolveWithConfig<D extends OptionDefs>(
  cmd: Command,
  defs: D,
  section: string,
  configFile?: string,
): Promise<OptionValues<D>> {
  const { loadConfig } = await import('../models/config.js');
  const { validate } = await import('../exam/source.js');
  const config = loadConfig(configFile);
  let defaults: Record<string, unknown> = {};
  if (config.doc && config.raw[section] !== undefined) {
    const shape = z.looseObject({ [section]: configSchema(defs).strict() });
    defaults = (validate(shape, config.doc, 'config') as Record<string, Record<string, unknown>>)[section];
  }
  return resolveOptions(cmd, defs, defaults, config.file ?? 'command line');
}
