import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { printJson, printLint } from './output.js';

export function registerExamCommands(program: Command): void {
  const exam = program.command('exam').description('lint, show and import exams');

  exam
    .command('lint')
    .description('check an exam: schema, points at every level, ids, choose rules, language')
    .argument('<exam-dir>', 'exam directory (or exam.yaml / exam.json)')
    .option('--json', 'print machine-readable findings')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { loadExamDoc } = await import('../exam/load.js');
      const { lintExam } = await import('../exam/lint.js');
      const res = lintExam(loadExamDoc(dir));
      if (opts.json) printJson(res);
      else printLint([res]);
      process.exitCode = res.errors > 0 ? ExitCode.UserError : ExitCode.Ok;
    });

  exam
    .command('show')
    .description('print an outline of the exam with points')
    .argument('<exam-dir>', 'exam directory')
    .option('--json', 'print the loaded exam as JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { loadExam } = await import('../exam/load.js');
      const { examOutline } = await import('../exam/outline.js');
      const loaded = loadExam(dir);
      if (opts.json) printJson(loaded.exam);
      else process.stdout.write(`${examOutline(loaded.exam, process.stdout.columns ?? 100)}\n`);
    });

  exam
    .command('import')
    .description('turn a flat question list (CSV or JSONL) into an exam skeleton')
    .argument('<file>', 'a .csv or .jsonl file, one question per row')
    .requiredOption('--field <column>', 'the column (CSV) or field (JSONL) holding the question text')
    .requiredOption('--id <exam-id>', 'id of the new exam')
    .option('--out <dir>', 'where to write exam.yaml (default: exams/<id>)')
    .option('--language <code>', 'ISO 639-1 language (default: detected)')
    .option('--title <title>', 'exam title')
    .option('--force', 'overwrite an existing exam.yaml')
    .option('--points-column <column>', "the column holding each question's points")
    .option('--answer-column <column>', "the column holding each question's final answer (its kind is guessed)")
    .option('--id-column <column>', "the column holding each question's id (default: 1, 2, 3, …)")
    .option('--part-column <column>', "the column naming each question's part (parts in order of first appearance)")
    .action(
      async (
        file: string,
        opts: {
          field: string;
          id: string;
          out?: string;
          language?: string;
          title?: string;
          force?: boolean;
          pointsColumn?: string;
          answerColumn?: string;
          idColumn?: string;
          partColumn?: string;
        },
      ) => {
        const { importExamFile } = await import('../exam/import.js');
        const res = importExamFile(file, opts);
        process.stdout.write(
          `wrote ${res.file} with ${res.questions} question(s); fill in \`released\`${opts.pointsColumn ? '' : ', points'}${opts.answerColumn ? ' (and check the answers)' : ' and answers'}, then run \`heldout exam lint ${res.dir}\`\n`,
        );
      },
    );
}
