import type { Command } from 'commander';

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML report of a run: scores, answers, graders, contamination, benchmarks')
    .argument('<run-dir>', 'run directory (runs/<id>)')
    .option('--benchmarks-file <csv>', 'public benchmark scores: CSV with columns model,gsm8k,math')
    .option(
      '--reference <csv>',
      "published results on the exam (model,exam,gsm8k,source); default: the exam's reference.csv",
    )
    .option('--check <json>', 'contamination result from `heldout check … --out contamination.json`')
    .option('--exam <dir>', 'exam directory (default: the one recorded in the run manifest)')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)')
    .option('-o, --out <file>', 'where to write (default: <run-dir>/report.html)')
    .action(
      async (
        runDir: string,
        opts: {
          benchmarksFile?: string;
          reference?: string;
          check?: string;
          exam?: string;
          rubric?: string;
          out?: string;
        },
      ) => {
        const { join } = await import('node:path');
        const { writeReport } = await import('../pipeline/write-report.js');
        const { file } = await writeReport(runDir, opts.out ?? join(runDir, 'report.html'), {
          exam: opts.exam,
          rubric: opts.rubric,
          benchmarksFile: opts.benchmarksFile,
          referenceFile: opts.reference,
          checkFile: opts.check,
        });
        process.stdout.write(`${file}\n`);
      },
    );
}
