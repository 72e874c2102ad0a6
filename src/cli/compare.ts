import type { Command } from 'commander';
import { HeldoutError } from '../errors.js';
import { printJson, table } from './output.js';

export function registerCompareCommands(program: Command): void {
  program
    .command('compare')
    .description(
      'compare runs of one exam (two judges, two prompt templates, two dates): per-model and per-question deltas, and every unit whose verdict changed',
    )
    .argument('<run-dirs...>', 'two run directories or more; the first is the baseline')
    .option('--exam <dir>', 'exam directory (default: the one each run manifest records)')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)')
    .option('--format <format>', 'html (default: writes --out), text, md (a pull-request comment) or json')
    .option('--json', 'print JSON (same as --format json)')
    .option(
      '-o, --out <file>',
      'the HTML file to write (default: compare.html; with --format text|md|json only if given)',
    )
    .addHelpText(
      'after',
      `
Examples:
  heldout compare runs/judge-a runs/judge-b
  heldout compare runs/nov runs/dec --format md > compare.md
  heldout compare runs/a runs/b --json | jq '.changed[0].units'`,
    )
    .action(
      async (
        dirs: string[],
        opts: { exam?: string; rubric?: string; format?: string; json?: boolean; out?: string },
      ) => {
        if (dirs.length < 2) {
          throw new HeldoutError('compare needs two run directories or more', {
            hint: 'heldout compare runs/a runs/b (the first is the baseline)',
          });
        }
        const format = opts.json ? 'json' : (opts.format ?? 'html');
        if (!['html', 'text', 'md', 'json'].includes(format)) {
          throw new HeldoutError(`--format must be html, text, md or json (got "${format}")`);
        }
        const { loadReportInputs } = await import('../pipeline/report-inputs.js');
        const { compareRuns, compareMarkdown, compareText } = await import('../report/compare.js');
        const { displayPath } = await import('../io/files.js');
        const runs = [];
        for (const dir of dirs) {
          runs.push({
            inputs: await loadReportInputs(dir, { exam: opts.exam, rubric: opts.rubric }),
            dir: displayPath(dir),
          });
        }
        const result = compareRuns(runs);
        const out = opts.out ?? (format === 'html' ? 'compare.html' : undefined);
        if (out) {
          const { renderCompare } = await import('../report/compare-render.js');
          const { writeFileAtomic } = await import('../io/write-file.js');
          const { toolVersion } = await import('../version.js');
          const html = await renderCompare(result, {
            generatedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            toolVersion: toolVersion(),
          });
          const file = writeFileAtomic(out, html, { flag: '--out', example: 'compare.html' });
          if (format === 'html') process.stdout.write(`${displayPath(file)}\n`);
          else process.stderr.write(`wrote ${displayPath(file)}\n`);
        }
        if (format === 'json') printJson(result);
        else if (format === 'md') process.stdout.write(compareMarkdown(result));
        else if (format === 'text') process.stdout.write(compareText(result, table));
        else {
          for (const ch of result.changed) {
            process.stderr.write(
              `${ch.run} vs ${ch.against}: ${ch.units.length} of ${ch.compared} unit answers changed\n`,
            );
          }
          for (const w of result.warnings) process.stderr.write(`heldout: warning: ${w}\n`);
        }
      },
    );
}
