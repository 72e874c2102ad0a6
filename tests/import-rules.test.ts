import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script, without types
import { brokenImports, RULES } from '../scripts/check-imports.js';
import { tempDir } from './helpers/cli.js';

const ROOT = join(import.meta.dirname, '..');

function tree(files: Record<string, string>): string {
  const dir = tempDir('heldout-imports-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('the import check of docs/architecture.md', () => {
  it('passes on the sources as they are', () => {
    expect(brokenImports(join(ROOT, 'src'))).toEqual([]);
  });

  it('names the file, the line and both folders of an import that breaks a rule', () => {
    const dir = tree({
      'report/view.ts': "import { x } from '../html/escape.js';\nimport { runExam } from '../run/runner.js';\n",
      'io/files.ts': "export const y = await import('../exam/load.js');\n",
      'html/escape.ts': 'export const x = 1;\n',
    });
    const broken: string[] = brokenImports(dir);
    expect(broken).toHaveLength(2);
    expect(broken[0]).toMatch(/io\/files\.ts:1: src\/io\/ may not import src\/exam\/ \('\.\.\/exam\/load\.js'\)/);
    expect(broken[1]).toMatch(
      /report\/view\.ts:2: src\/report\/ may not import src\/run\/ \('\.\.\/run\/runner\.js'\)/,
    );
  });

  it('refuses a folder that has no rule', () => {
    expect(brokenImports(tree({ 'newthing/a.ts': 'export const a = 1;\n' }))[0]).toMatch(/src\/newthing\/ has no rule/);
  });

  it('the rules themselves form no loop between folders', () => {
    const rules = RULES as Record<string, string[]>;
    const seen = new Map<string, 'open' | 'done'>();
    const visit = (folder: string, path: string[]): void => {
      if (seen.get(folder) === 'done') return;
      if (seen.get(folder) === 'open') throw new Error(`loop: ${[...path, folder].join(' → ')}`);
      seen.set(folder, 'open');
      for (const next of rules[folder] ?? []) visit(next, [...path, folder]);
      seen.set(folder, 'done');
    };
    for (const folder of Object.keys(rules)) expect(() => visit(folder, [])).not.toThrow();
    // A rule that allowed store/ to import exam/ beside exam/ importing store/ would be caught:
    expect(() => {
      const saved = rules.io;
      rules.io = ['store'];
      rules.store = ['io'];
      seen.clear();
      try {
        visit('io', []);
      } finally {
        rules.io = saved;
      }
    }).toThrow(/loop: io → store → io/);
  });
});
