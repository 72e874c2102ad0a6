import { resolve } from 'node:path';
import { displayPath } from '../io/files.js';
import { writeFileAtomic } from '../io/write-file.js';
import { loadReportInputs, type ReportLoadOptions } from './load.js';
import { buildReportModel, type ReportModel } from './model.js';
import { renderReport } from './render.js';
import { readFigureSources } from './report-figures.js';

/** `heldout report`: load, build the view model, render, write. Returns the path written and the model. */
export async function writeReport(
  runDir: string,
  out: string,
  opts: ReportLoadOptions = {},
): Promise<{ file: string; model: ReportModel }> {
  const inputs = await loadReportInputs(runDir, opts);
  // The figure files beside the exam are read here unless the loader already did (examDir is relative to the cwd).
  const figures =
    inputs.figures ?? (inputs.examDir ? readFigureSources(inputs.exam, resolve(inputs.examDir)) : undefined);
  const model = buildReportModel({ ...inputs, figures });
  const file = writeFileAtomic(out, await renderReport(model));
  return { file: displayPath(file), model };
}
