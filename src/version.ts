import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** heldout's own version, recorded in every run manifest and report. */
export function toolVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return cached;
}
