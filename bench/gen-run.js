// A realistic many-model run for the report bench and the browser tests: the demo's graded run (three example
// answer sheets, automatic and example human grades), with each of N "models" answering each question like one
// of the three sheets (seeded), its grades carried along. Needs the build (dist/).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from './gen-corpus.js';

const jsonl = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** Writes `<dir>/runs/many` (and the demo run it is made from, `<dir>/runs/demo`); returns the run directory. */
export async function writeManyModelRun(dir, { models = 30, seed = 7 } = {}) {
  const { runDemo } = await import('../dist/pipeline/demo.js');
  await runDemo({
    cwd: dir,
    env: { HELDOUT_BENCH_DIR: join(dir, 'no-benchmarks') },
    now: new Date('2026-11-27T12:00:00Z'),
  });
  const demo = join(dir, 'runs', 'demo');
  const responses = jsonl(join(demo, 'responses.jsonl'));
  const grades = jsonl(join(demo, 'grades.jsonl'));
  const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8'));
  const sheets = [...new Set(responses.map((r) => r.model))];
  const questions = [...new Set(responses.map((r) => r.questionId))];
  const r = rng(seed);
  const outResponses = [];
  const outGrades = [];
  const specs = [];
  for (let k = 0; k < models; k++) {
    const spec = `replay:generated/model-${String(k + 1).padStart(2, '0')}.jsonl`;
    specs.push(spec);
    // Models differ in strength: model k leans towards the strong sheet with probability falling with k.
    const pStrong = 0.9 - (0.8 * k) / Math.max(1, models - 1);
    for (const q of questions) {
      const u = r();
      const sheet = u < pStrong ? sheets[0] : sheets[1 + Math.floor(r() * (sheets.length - 1))];
      for (const resp of responses.filter((x) => x.model === sheet && x.questionId === q)) {
        const id = `${spec}|${q}|${resp.sample}`;
        outResponses.push({ ...resp, id, model: spec });
        for (const g of grades.filter((x) => x.responseId === resp.id)) outGrades.push({ ...g, responseId: id });
      }
    }
  }
  const runDir = join(dir, 'runs', 'many');
  mkdirSync(runDir, { recursive: true });
  const models_ = specs.map((spec) => ({ spec, provider: 'replay', model: spec.slice(7), mode: 'chat' }));
  writeFileSync(join(runDir, 'manifest.json'), JSON.stringify({ ...manifest, id: 'many', models: models_ }, null, 2));
  writeFileSync(join(runDir, 'responses.jsonl'), `${outResponses.map((x) => JSON.stringify(x)).join('\n')}\n`);
  writeFileSync(join(runDir, 'grades.jsonl'), `${outGrades.map((x) => JSON.stringify(x)).join('\n')}\n`);
  return runDir;
}
