import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { printJson, printLint } from './output.js';

export function registerRubricCommands(program: Command): void {
  const rubric = program.command('rubric').description('lint, create and preview marking rubrics');

  rubric
    .command('lint')
    .description('check a rubric against its exam: coverage, ids, points, requires/caps references')
    .argument('<exam-dir>', 'exam directory')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)')
    .option('--json', 'print machine-readable findings')
    .action(async (dir: string, opts: { rubric?: string; json?: boolean }) => {
      const { loadExam, loadRubricDoc } = await import('../exam/load.js');
      const { lintRubric } = await import('../exam/lint.js');
      const loaded = loadExam(dir);
      const res = lintRubric(loaded, loadRubricDoc(loaded, opts.rubric));
      if (opts.json) printJson(res);
      else printLint([res]);
      process.exitCode = res.errors > 0 ? ExitCode.UserError : ExitCode.Ok;
    });

  rubric
    .command('new')
    .description('write a rubric skeleton: one item per question or sub-part, points copied from the exam')
    .argument('<exam-dir>', 'exam directory')
    .option('--out <file>', 'where to write (default: rubrics/<exam-id>.yaml next to exams/)')
    .option('--force', 'overwrite an existing rubric')
    .action(async (dir: string, opts: { out?: string; force?: boolean }) => {
      const { loadExam } = await import('../exam/load.js');
      const { writeRubricSkeleton } = await import('../exam/rubric-skeleton.js');
      const file = writeRubricSkeleton(loadExam(dir), opts);
      process.stdout.write(
        `wrote ${file}; write the criteria, split items by step, then run \`heldout rubric lint ${dir}\`\n`,
      );
    });

  rubric
    .command('preview')
    .description(
      'render the exam with its rubric as one self-contained HTML page (points, criteria, caps, notes, maths)',
    )
    .argument('<exam-dir>', 'exam directory')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)')
    .option('-o, --out <file>', 'where to write', 'rubric.html')
    .action(async (dir: string, opts: { rubric?: string; out: string }) => {
      const { writeRubricPreview } = await import('../report/rubric-preview-file.js');
      const file = await writeRubricPreview(dir, opts);
      process.stdout.write(`${file}\n`);
    });
}
