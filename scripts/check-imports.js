#!/usr/bin/env node
// The import directions of docs/architecture.md, checked: every relative import from one folder of src/ into another
// must be allowed by RULES, so the folders form no loop. Run by `npm run lint`; exits 1 naming each broken import.
// Usage: node scripts/check-imports.js [src-dir]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder → the folders it may import. Files directly in src/ (errors.ts, version.ts, …) are leaves anyone may import. */
export const RULES = {
  io: [],
  latex: [],
  exam: ['io'],
  store: ['io'],
  html: ['io', 'latex'],
  models: ['io', 'exam', 'store'],
  contamination: ['io', 'latex', 'exam', 'store', 'models'],
  grading: ['io', 'latex', 'exam', 'store', 'models', 'html'],
  run: ['io', 'latex', 'exam', 'store', 'models', 'grading'],
  probe: ['io', 'latex', 'exam', 'store', 'models', 'run', 'contamination'],
  report: ['io', 'latex', 'exam', 'store', 'html', 'grading', 'contamination', 'probe'],
  pipeline: ['io', 'latex', 'exam', 'store', 'html', 'models', 'grading', 'run', 'contamination', 'probe', 'report'],
  cli: [
    'io',
    'latex',
    'exam',
    'store',
    'html',
    'models',
    'grading',
    'run',
    'contamination',
    'probe',
    'report',
    'pipeline',
  ],
};

const IMPORT = /(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

/** Each import that breaks a rule, as "file: imports folder/ (spec)"; a folder missing from RULES is one too. */
export function brokenImports(srcDir) {
  const root = resolve(srcDir);
  const broken = [];
  for (const file of sourceFiles(root)) {
    const parts = relative(root, file).split(sep);
    if (parts.length < 2) continue; // src/index.ts and the leaves beside it
    const from = parts[0];
    const allowed = RULES[from];
    const shown = relative(process.cwd(), file);
    if (!allowed) {
      broken.push(
        `${shown}: folder src/${from}/ has no rule in scripts/check-imports.js (add it and to docs/architecture.md)`,
      );
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      const target = relative(root, resolve(dirname(file), spec)).split(sep);
      if (target[0] === '..' || target.length < 2 || target[0] === from) continue;
      if (!allowed.includes(target[0])) {
        const line = text.slice(0, m.index).split('\n').length;
        broken.push(`${shown}:${line}: src/${from}/ may not import src/${target[0]}/ ('${spec}')`);
      }
    }
  }
  return broken;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const src = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const broken = brokenImports(src);
  if (broken.length) {
    process.stderr.write(
      `Imports that break docs/architecture.md's directions:\n${broken.map((b) => `  ${b}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  }
}
