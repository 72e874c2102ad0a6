// The automatic checker on the answer-checking suite (tests/fixtures/answer-suite): realistic responses in six
// models' styles, in Hungarian and cut off, each with a human's verdict. Prints the extraction rate and accuracy,
// agreement where both decide, false "correct" verdicts, undetermined on the human's correct answers, and speed.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadAnswerSuite, runAnswerSuite, summariseSuite, suiteMisses } = await import(
  '../dist/grading/answer-suite.js'
);

const cases = loadAnswerSuite(join(root, 'tests/fixtures/answer-suite'));
runAnswerSuite(cases.slice(0, 20)); // warm-up
const t = process.hrtime.bigint();
const results = runAnswerSuite(cases);
const ms = Number(process.hrtime.bigint() - t) / 1e6;
const s = summariseSuite(results);
const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(
  `cases ${cases.length}, units ${s.units}, checked in ${ms.toFixed(0)} ms (${(ms / s.units).toFixed(2)} ms/unit)`,
);
console.log(`expected verdicts          ${pct(s.verdictAccuracy)}   (target ≥ 95% on public suites)`);
console.log(`agreement where both decide ${pct(s.agreement)} of ${s.bothDecided}   (target ≥ 90%)`);
console.log(`false "correct"            ${s.falseCorrect}   (target 0)`);
console.log(`undetermined on correct    ${pct(s.undeterminedOnCorrect)}   (target ≤ 10%)`);
console.log(`extraction rate            ${pct(s.extractionRate)}; extraction accuracy ${pct(s.extractionAccuracy)}`);
for (const [style, v] of Object.entries(s.byStyle))
  console.log(`  ${style.padEnd(10)} ${pct(v.verdictAccuracy)} of ${v.units}`);
if (process.argv.includes('--verbose')) console.log(suiteMisses(results).join('\n'));
