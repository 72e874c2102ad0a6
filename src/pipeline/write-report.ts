import { displayPath } from '../io/files.js';
import { writeFileAtomic } from '../io/write-file.js';
import { buildReportModel, type ReportModel } from '../report/model.js';
import { renderReport } from '../report/render.js';
import { loadReportInputs, type ReportLoadOptions } from './report-inputs.js';

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
