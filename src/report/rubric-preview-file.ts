import { loadExam, loadRubric } from '../exam/load.js';
import { displayPath } from '../exam/source.js';
import { writeFileAtomic } from '../store/write-file.js';
import { toolVersion } from '../version.js';
import { buildRubricPreviewModel, renderRubricPreview } from './rubric-preview.js';

/** `heldout rubric preview`: loads, renders and writes; returns the path it wrote (for display). */
export async function writeRubricPreview(examDir: string, opts: { rubric?: string; out: string }): Promise<string> {
  const loaded = loadExam(examDir);
  const rubric = loadRubric(loaded, opts.rubric);
  const model = buildRubricPreviewModel(loaded.exam, rubric.rubric, {
    toolVersion: toolVersion(),
    rubricFile: displayPath(rubric.file),
  });
  return displayPath(writeFileAtomic(opts.out, await renderRubricPreview(model)));
}
