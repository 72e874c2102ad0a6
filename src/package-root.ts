import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * heldout's own folder. Found by walking up, because this module runs from src/ (tests), dist/ (tsc) and
 * dist/bundle/ (the CLI), each at a different depth.
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'heldout') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('heldout: cannot find its own package.json');
    dir = up;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
