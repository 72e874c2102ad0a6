import { type Command, Option } from 'commander';
import { z } from 'zod';
import { HeldoutError } from '../errors.js';

/**
 * One typed definition per option. From it we derive the commander flag, the config-file schema and the
 * merged value, so that flags and config cannot drift apart (as vitest does).
 */
export interface OptionDef<S extends z.ZodType = z.ZodType> {
  /** Commander flags, e.g. `--temperature <t>`, `--no-cache`, `--model <spec...>`. */
  flags: string;
  description: string;
  schema: S;
  /** Whether the option can also be set in `heldout.config.yaml`. */
  config?: boolean;
}

export type OptionDefs = Record<string, OptionDef>;
export type OptionValues<D extends OptionDefs> = { [K in keyof D]: z.output<D[K]['schema']> };

/** Turns a raw flag string into what the schema expects (numbers for number schemas). */
function coerce(schema: z.ZodType, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  let inner: z.ZodType = schema;
  for (let i = 0; i < 5; i++) {
    const def = (inner as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
    if ((def.type === 'default' || def.type === 'optional') && def.innerType) inner = def.innerType;
    else break;
  }
  const type = (inner as unknown as { def: { type: string } }).def.type;
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() === '' || Number.isNaN(n) ? raw : n;
  }
  return raw;
}

export function addOptions(cmd: Command, defs: OptionDefs): Command {
  for (const [key, def] of Object.entries(defs)) {
    const opt = new Option(def.flags, def.description);
    const attr = opt.attributeName();
    if (attr !== key) throw new Error(`option ${def.flags} maps to "${attr}", not "${key}"`);
    const dflt = def.schema.safeParse(undefined);
    if (dflt.success && dflt.data !== undefined && !def.flags.includes('--no-')) opt.default(dflt.data);
    cmd.addOption(opt);
  }
  return cmd;
}

/** The part of the config file that these options may set. */
export function configSchema<D extends OptionDefs>(defs: D) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, def] of Object.entries(defs)) if (def.config) shape[key] = def.schema.optional();
  return z.object(shape).partial();
}

/**
 * Merges values: flags the user typed win over the config file, which wins over defaults.
 * `cmd.getOptionValueSource` tells a typed flag from a default.
 */
export function resolveOptions<D extends OptionDefs>(
  cmd: Command,
  defs: D,
  config: Record<string, unknown> = {},
  where = 'command line',
): OptionValues<D> {
  const raw = cmd.opts();
  const out: Record<string, unknown> = {};
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  for (const [key, def] of Object.entries(defs)) {
    const source = cmd.getOptionValueSource(key);
    let value: unknown = raw[key];
    const fromConfig = source !== 'cli' && source !== 'env' && def.config && config[key] !== undefined;
    if (fromConfig) value = config[key];
    const parsed = def.schema.safeParse(coerce(def.schema, value));
    if (!parsed.success) {
      const flag = def.flags.split(/[ ,]/)[0];
      const problem = parsed.error.issues[0].message.replace(/^Invalid input$/, 'not a valid value');
      // A typed flag is the command line's fault even when a config file exists.
      throw new HeldoutError(`${fromConfig ? key : flag} ${JSON.stringify(value)}: ${problem}`, {
        where: fromConfig ? where : 'command line',
        hint: `${def.flags}: ${def.description} (see \`heldout ${names.join(' ')} --help\`)`,
      });
    }
    out[key] = parsed.data;
  }
  return out as OptionValues<D>;
}

/** Collects repeated flags (`--model a --model b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
