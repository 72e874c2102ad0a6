import { lintExam } from '../exam/lint.js';
import { lintRubric } from '../exam/lint-rubric.js';
import { loadExam, loadRubric } from '../exam/load.js';
import { displayPath } from '../io/files.js';
import { writeFileAtomic } from '../io/write-file.js';
import { toolVersion } from '../version.js';
import { buildRubricPreviewModel, renderRubricPreview } from './rubric-preview.js';

/** `heldout rubric preview`: loads, renders and writes; returns the path it wrote (for display). */
export async function writeRubricPreview(examDir: string, opts: { rubric?: string; out: string }): Promise<string> {
  const loaded = loadExam(examDir);
  const rubric = loadRubric(loaded, opts.rubric);
  // Lint findings are shown beside the question they concern.
  const findings = [...lintExam(loaded.doc).findings, ...lintRubric(loaded, rubric.doc).findings];
  const model = buildRubricPreviewModel(loaded.exam, rubric.rubric, {
    toolVersion: toolVersion(),
    rubricFile: displayPath(rubric.file),
    findings,
    examDir: loaded.dir,
  });
  return displayPath(writeFileAtomic(opts.out, await renderRubricPreview(model)));
}
