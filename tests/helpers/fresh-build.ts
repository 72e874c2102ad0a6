import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestSource(p) : s.mtimeMs);
  }
  return newest;
}

/**
 * Vitest global setup. The CLI tests run bin/heldout.js, which loads the built bundle: a bundle older than the sources
 * would test yesterday's code. `npm test` builds first; a bare `npx vitest run` rebuilds here when a source is newer.
 */
export default function setup(): void {
  const bundle = join(ROOT, 'dist/bundle/main.js');
  const built = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  const sources = Math.max(
    newestSource(join(ROOT, 'src')),
    statSync(join(ROOT, 'scripts/bundle.js')).mtimeMs,
    statSync(join(ROOT, 'scripts/build-wasm.js')).mtimeMs,
  );
  if (sources <= built) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the build failed: the CLI tests would run a stale bundle');
}
