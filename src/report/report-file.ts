import { displayPath } from '../io/files.js';
import { writeFileAtomic } from '../io/write-file.js';
import { loadReportInputs, type ReportLoadOptions } from './load.js';
import { buildReportModel, type ReportModel } from './model.js';
import { renderReport } from './render.js';

/** `heldout report`: load, build the view model, render, write. Returns the path written and the model. */
export async function writeReport(
  runDir: string,
  out: string,
  opts: ReportLoadOptions = {},
): Promise<{ file: string; model: ReportModel }> {
  const inputs = await loadReportInputs(runDir, opts);
  const model = buildReportModel(inputs);
  const file = writeFileAtomic(out, await renderReport(model));
  return { file: displayPath(file), model };
}
