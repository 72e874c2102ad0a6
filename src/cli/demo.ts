import type { Command } from 'commander';

export function registerDemoCommands(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole pipeline offline on what ships (example answer sheets, example human grades) and write runs/demo/report.html',
    )
    .action(async () => {
      const { runDemo } = await import('../pipeline/demo.js');
      const res = await runDemo({ log: (line) => process.stderr.write(`${line}\n`) });
      process.stderr.write('report   open it in a browser (works offline):\n');
      process.stdout.write(`${res.reportFile}\n`);
    });
}
