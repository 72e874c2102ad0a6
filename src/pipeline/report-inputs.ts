import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HeldoutError } from '../errors.js';
import { examHash } from '../exam/model.js';
import { agreement } from '../grading/agreement.js';
import { loadRunContext } from '../grading/context.js';
import { scoreExam } from '../grading/score.js';
import { gradeVersionSummary } from '../grading/score-run.js';
import { displayPath } from '../io/files.js';
import { readTable } from '../io/tabular.js';
import { analyseProbes, type MemorisationFindings } from '../probe/analyse.js';
import { PROBE_MANIFEST_FILE, readProbeManifest, readProbeRecords } from '../probe/records.js';
import type { AlsoCheckedInput } from '../report/contamination-view.js';
import type { BenchItemTexts, BenchmarkRow, CheckInput, ReportInputs } from '../report/inputs.js';
import { readReferenceCsv } from '../report/reference-field.js';
import { readFigureSources } from '../report/report-figures.js';
import { readGrades } from '../store/grades.js';
import { toolVersion } from '../version.js';

export interface ReportLoadOptions {
  exam?: string;
  rubric?: string;
  benchmarksFile?: string;
  /** Published results on the exam (default: the exam's reference.csv when it has one). */
  referenceFile?: string;
  checkFile?: string;
  /** A check result already in memory (the demo), instead of --check. */
  check?: CheckInput;
  checkNote?: string;
  /** Other exams checked beside the run's (the demo's leaky exam). */
  alsoChecked?: AlsoCheckedInput[];
  /** Notes on fictional or example data in the report (the demo's). */
  fictional?: string[];
  now?: Date;
}

/** Reads a run directory and the optional files, and computes scores and agreement with the grading cores. */
export async function loadReportInputs(runDir: string, opts: ReportLoadOptions = {}): Promise<ReportInputs> {
  const ctx = loadRunContext(runDir, { exam: opts.exam, rubric: opts.rubric });
  const grades = readGrades(ctx.runDir);
  const units = [...ctx.units.values()];
  const exam = ctx.exam.exam;
  const score = grades.length
    ? scoreExam(exam, units, ctx.responses, grades, { marking: ctx.rubric.rubric.marking })
    : undefined;
  const agreementReport = grades.length
    ? agreement({
        grades,
        units: new Map(
          units.map((u) => [
            u.id,
            { questionId: u.questionId, items: (ctx.rubric.rubric.marking[u.id]?.items ?? []).map((i) => i.id) },
          ]),
        ),
        questionOrder: exam.parts.flatMap((p) => p.questions.map((q) => q.id)),
      })
    : undefined;
  const check = opts.check ?? (opts.checkFile ? readCheckFile(opts.checkFile) : undefined);
  const shipped = join(ctx.exam.dir, 'reference.csv');
  const referenceFile = opts.referenceFile ?? (existsSync(shipped) ? shipped : undefined);
  return {
    exam,
    rubric: ctx.rubric.rubric,
    examHash: examHash(exam),
    runId: typeof ctx.manifest.id === 'string' ? ctx.manifest.id : basename(ctx.runDir),
    runDir: displayPath(ctx.runDir),
    examDir: displayPath(ctx.exam.dir),
    manifest: ctx.manifest as Record<string, unknown>,
    responses: ctx.responses,
    grades,
    score,
    agreement: agreementReport,
    check,
    checkFile: opts.checkFile ? displayPath(opts.checkFile) : undefined,
    checkNote: opts.checkNote,
    alsoChecked: opts.alsoChecked?.length ? opts.alsoChecked : undefined,
    benchItems: check ? await matchedBenchItems([check, ...(opts.alsoChecked ?? []).map((a) => a.check)]) : undefined,
    benchmarks: opts.benchmarksFile ? readBenchmarkScores(opts.benchmarksFile) : undefined,
    benchmarksFile: opts.benchmarksFile ? displayPath(opts.benchmarksFile) : undefined,
    reference: referenceFile ? readReferenceCsv(referenceFile) : undefined,
    referenceFile: referenceFile ? displayPath(referenceFile) : undefined,
    memorisation: loadMemorisation(ctx.runDir),
    figures: readFigureSources(exam, ctx.exam.dir),
    fictional: opts.fictional,
    toolVersion: toolVersion(),
    versions: gradeVersionSummary(ctx, grades),
    generatedAt: (opts.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

export function readCheckFile(file: string): CheckInput {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HeldoutError(`cannot read the check result: ${(err as Error).message}`, {
      where: displayPath(file),
      hint: 'write it with `heldout check <exam> --bench <name> --run <run-dir> --out contamination.json`',
    });
  }
  const items = (value as { items?: unknown })?.items;
  if (!Array.isArray(items) || items.some((i) => !i || typeof i.id !== 'string' || typeof i.verdicts !== 'object')) {
    throw new HeldoutError('not a `heldout check --json` result (needs items[] with id and verdicts)', {
      where: displayPath(file),
      hint: 'write it with `heldout check <exam> --bench <name> --out contamination.json`',
    });
  }
  return value as CheckInput;
}

/** `model,gsm8k,math`: accuracy 0–1 or percent; empty cells allowed. */
export function readBenchmarkScores(file: string): BenchmarkRow[] {
  const table = readTable(file);
  const where = (line: number) => `${displayPath(file)}:${line}`;
  if (!table.columns.includes('model')) {
    throw new HeldoutError('no "model" column', {
      where: displayPath(file),
      hint: 'use a header row model,gsm8k,math',
    });
  }
  if (!table.columns.includes('gsm8k') && !table.columns.includes('math')) {
    throw new HeldoutError('no "gsm8k" or "math" column', {
      where: displayPath(file),
      hint: 'use a header row model,gsm8k,math',
    });
  }
  return table.rows.map((row) => {
    const model = String(row.values.model ?? '').trim();
    if (!model) throw new HeldoutError('empty model name', { where: where(row.line) });
    const out: BenchmarkRow = { model };
    for (const col of ['gsm8k', 'math'] as const) {
      const raw = row.values[col];
      if (raw === undefined || raw === null || String(raw).trim() === '') continue;
      const v = Number(String(raw).trim().replace(/%$/, ''));
      if (!Number.isFinite(v) || v < 0 || v > 100) {
        throw new HeldoutError(`${col}: "${raw}" is not an accuracy (0–1 or 0–100)`, { where: where(row.line) });
      }
      out[col] = v;
    }
    return out;
  });
}

/** The texts of the benchmark items the check matched, when their files are still where the check read them. */
async function matchedBenchItems(checks: CheckInput[]): Promise<BenchItemTexts> {
  const wanted = new Set(
    checks.flatMap((check) =>
      [...check.items, ...(check.answers ?? [])].flatMap((i) => (i.matches ?? []).map((m) => m.itemId)),
    ),
  );
  const out: BenchItemTexts = {};
  if (!wanted.size) return out;
  const { KNOWN_BENCHMARKS } = await import('../contamination/bench/source.js');
  const { loadBenchmarkSource } = await import('../contamination/bench/load.js');
  const { loadPackSource } = await import('../contamination/bench/pack.js');
  const seen = new Set<string>();
  for (const src of checks.flatMap((c) => c.sources ?? [])) {
    if (!src.path || !existsSync(src.path) || seen.has(src.path)) continue;
    seen.add(src.path);
    try {
      const fromPack = src.origin === 'pack' && (KNOWN_BENCHMARKS as readonly string[]).includes(src.name ?? '');
      const loaded = fromPack
        ? loadPackSource(src.name as (typeof KNOWN_BENCHMARKS)[number], { label: src.label })
        : await loadBenchmarkSource(`${src.label}=${src.path}`);
      for (const item of loaded.items)
        if (wanted.has(item.id)) out[item.id] = { text: item.text, solution: item.solution };
    } catch {
      // The side-by-side view is a convenience: without the file the report shows the shared runs only.
    }
  }
  return out;
}

/** The findings, when the run directory holds probe results (a torn last line is ignored, not repaired). */
function loadMemorisation(runDir: string): MemorisationFindings | undefined {
  if (!existsSync(join(runDir, PROBE_MANIFEST_FILE))) return undefined;
  return analyseProbes(readProbeManifest(runDir), readProbeRecords(runDir).records);
}
