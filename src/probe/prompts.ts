import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { HeldoutError } from '../errors.js';
import { displayPath } from '../io/files.js';
import type { ProbeParams } from './records.js';

/**
 * The probes' prompts, as Handlebars templates. The defaults follow the papers' wording; a user may override any of
 * them with `--templates <dir>` (guided.hbs, general.hbs, ts-guessing.hbs). The texts used are recorded in probe.json.
 */

/** Golchin & Surdeanu (2023), guided instruction: names the dataset and split. */
export const GUIDED_TEMPLATE = `Instruction: You are provided with the first piece of an instance from the {{split}} split of the {{dataset}} dataset. Finish the second piece of the instance as exactly appeared in the dataset. Only rely on the original form of the instance in the dataset to finish the second piece.

First piece:
{{prefix}}

Second piece:
`;

/** Golchin & Surdeanu (2023), general instruction: the same task without the dataset's name. */
export const GENERAL_TEMPLATE = `Instruction: Finish the second piece based on the first piece, such that these two pieces become a single instance.

First piece:
{{prefix}}

Second piece:
`;

/** Deng et al. (2024), TS-Guessing (question-based): one wrong option is masked. */
export const TS_GUESSING_TEMPLATE = `Please fill in the [MASK] in option {{letter}} based on your benchmark knowledge.

The crucial rule is that you should provide a different answer from the other options below.

Question: {{question}}

Options:
{{#each options}}
{{letter}}: {{text}}
{{/each}}

Reply with the answer only.`;

export const TEMPLATE_FILES = { guided: 'guided.hbs', general: 'general.hbs', tsGuessing: 'ts-guessing.hbs' } as const;

/** The default templates, with any of them replaced by the file of the same name in `dir`. */
export function loadTemplates(dir?: string): ProbeParams['templates'] {
  const t = { guided: GUIDED_TEMPLATE, general: GENERAL_TEMPLATE, tsGuessing: TS_GUESSING_TEMPLATE };
  if (!dir) return t;
  if (!existsSync(dir)) throw new HeldoutError('template directory not found', { where: dir, hint: '--templates' });
  let found = 0;
  for (const [key, file] of Object.entries(TEMPLATE_FILES) as [keyof typeof TEMPLATE_FILES, string][]) {
    const path = join(dir, file);
    if (existsSync(path)) {
      t[key] = readFileSync(path, 'utf8');
      found++;
    }
  }
  if (!found) {
    throw new HeldoutError(`no template in this directory (expected ${Object.values(TEMPLATE_FILES).join(', ')})`, {
      where: displayPath(dir),
    });
  }
  return t;
}

export type PromptRenderer = (context: Record<string, unknown>) => string;

/**
 * Compiles a prompt template. Prompts are plain text, not HTML: nothing is escaped. Strict mode turns a misspelt
 * variable into an error that names the template instead of a silently empty slot.
 */
export function compilePrompt(text: string, name: string): PromptRenderer {
  const hb = Handlebars.create();
  let fn: Handlebars.TemplateDelegate;
  try {
    fn = hb.compile(text, { noEscape: true, strict: true });
  } catch (err) {
    throw new HeldoutError(`bad template: ${(err as Error).message.split('\n')[0]}`, { where: name });
  }
  return (ctx) => {
    try {
      return fn(ctx);
    } catch (err) {
      throw new HeldoutError(`template error: ${(err as Error).message.split('\n')[0]}`, {
        where: name,
        hint: 'variables: guided: dataset, split, prefix; general: prefix; ts-guessing: question, letter, options[] (letter, text)',
      });
    }
  };
}
