import type { Command } from 'commander';
import { ExitCode, HeldoutError } from '../errors.js';
import { collect } from './options.js';
import { paint, printJson, printLint } from './output.js';

/** "0.8", "80%" or "80" → 0.8. */
function parseShare(raw: string): number {
  const text = raw.trim();
  const n = Number(text.replace(/%$/, ''));
  const share = text.endsWith('%') || n > 1 ? n / 100 : n;
  if (!Number.isFinite(share) || share < 0 || share > 1 || text === '')
    throw new HeldoutError(`--min-agreement must be a share between 0 and 1, or a percentage (got "${raw}")`);
  return share;
}

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
      const { lintRubric } = await import('../exam/lint-rubric.js');
      const loaded = loadExam(dir);
      const res = lintRubric(loaded, loadRubricDoc(loaded, opts.rubric));
      if (opts.json) printJson(res);
      else printLint([res]);
      process.exitCode = res.errors > 0 ? ExitCode.UserError : ExitCode.Ok;
    });

  rubric
    .command('test')
    .description(
      "grade the rubric's examples with the automatic checker and each judge, and report per-item agreement with the expected points",
    )
    .argument('<exam-dir>', 'exam directory')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)')
    .option('--judge <spec>', 'also test a model judge (repeat for several)', collect)
    .option(
      '--min-agreement <share>',
      'exit 1 when a grader agrees on fewer items than this (0–1 or a percentage)',
      '0.8',
    )
    .option('--base-url <url>', 'judges: an OpenAI-compatible server')
    .option('--concurrency <n>', 'judge calls in flight per provider')
    .option('--no-cache', 'do not reuse cached judge answers')
    .option('--json', 'print machine-readable results')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const { loadExam, loadRubric } = await import('../exam/load.js');
      const { testRubric, rubricTestText } = await import('../grading/rubric-test.js');
      const min = parseShare(String(opts.minAgreement));
      const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
        throw new HeldoutError(`--concurrency must be a whole number ≥ 1 (got "${opts.concurrency}")`);
      const loaded = loadExam(dir);
      const res = await testRubric(loaded, loadRubric(loaded, opts.rubric as string | undefined), {
        judges: opts.judge as string[] | undefined,
        concurrency,
        noCache: opts.cache === false,
        openOptions: opts.baseUrl ? { baseUrl: String(opts.baseUrl) } : undefined,
      });
      if (opts.json) printJson({ ...res, minAgreement: min });
      else process.stdout.write(rubricTestText(res, min));
      process.exitCode = res.graders.some((g) => g.agreement < min) ? ExitCode.UserError : ExitCode.Ok;
    });

  rubric
    .command('new')
    .description('write a rubric skeleton: one item per question or sub-part, points copied from the exam')
    .argument('<exam-dir>', 'exam directory')
    .option('--out <file>', 'where to write (default: rubrics/<exam-id>.yaml next to exams/)')
    .option('--force', 'overwrite an existing rubric')
    .option('--from <guide>', 'propose items from a marking guide (plain text or Markdown: points and what earns them)')
    .action(async (dir: string, opts: { out?: string; force?: boolean; from?: string }) => {
      const { loadExam } = await import('../exam/load.js');
      const { writeRubricSkeleton } = await import('../exam/rubric-skeleton.js');
      const res = writeRubricSkeleton(loadExam(dir), opts);
      const g = res.fromGuide;
      if (!g) {
        process.stdout.write(
          `wrote ${res.file}; write the criteria, split items by step, then run \`heldout rubric lint ${dir}\`\n`,
        );
        return;
      }
      process.stdout.write(
        `wrote ${res.file}: ${g.filled.length} unit(s) from the guide, ${g.todo.length} left as TODO${g.todo.length ? ` (${g.todo.join(', ')})` : ''}\n`,
      );
      for (const m of g.mismatched)
        process.stdout.write(paint.yellow(`${m.unit}: the guide gives ${m.guide} point(s), the exam ${m.exam}\n`));
      for (const u of g.unplaced)
        process.stdout.write(paint.yellow(`${opts.from}:${u.line}: not used (${u.reason}): ${u.text}\n`));
      process.stdout.write(`edit the proposed items, then run \`heldout rubric lint ${dir}\`\n`);
    });

  rubric
    .command('preview')
    .description(
      'render the exam with its rubric as one self-contained HTML page (points, criteria, caps, notes, maths)',
    )
    .argument('<exam-dir>', 'exam directory')
    .option('--rubric <file>', 'rubric file (default: rubrics/<exam-id>.yaml or <exam-dir>/rubric.yaml)')
    .option('-o, --out <file>', 'where to write', 'rubric.html')
    .option('--watch', 'serve the preview on 127.0.0.1 and reload it on every save of the exam or rubric')
    .option('--port <n>', 'with --watch: the port (default: a free one)')
    .action(async (dir: string, opts: { rubric?: string; out: string; watch?: boolean; port?: string }) => {
      if (opts.watch) return watchPreview(dir, opts);
      const { writeRubricPreview } = await import('../report/rubric-preview-file.js');
      const file = await writeRubricPreview(dir, opts);
      process.stdout.write(`${file}\n`);
    });
}

async function watchPreview(dir: string, opts: { rubric?: string; port?: string }): Promise<void> {
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new HeldoutError(`--port must be a port number (got "${opts.port}")`);
  const { startRubricPreviewServer } = await import('../report/rubric-preview-live.js');
  const server = await startRubricPreviewServer({
    examDir: dir,
    rubric: opts.rubric,
    port,
    onRebuild: (page) =>
      process.stderr.write(
        `heldout: ${new Date().toISOString().slice(11, 19)} rebuilt${page.ok ? '' : ' (a file does not parse: the page says where)'}\n`,
      ),
  });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(
    "heldout: open the address above (it holds this session's token); watching for saves, Ctrl-C to stop\n",
  );
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
