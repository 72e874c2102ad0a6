import { heatLegendStyle, heatStyle, scatterSvg } from './charts.js';
import { escapeVisible, trusted } from './html.js';
import { loadMathRenderer } from './math.js';
import type { ReportModel, ScatterView } from './model.js';
import { referenceFieldSvg } from './reference-chart.js';
import type { ReferenceFieldView } from './reference-field.js';
import type { Segment } from './shared-ngrams.js';
import { createEngine, readTemplate, renderPage } from './templates.js';

/** Renders the view model to one self-contained HTML page. */
export async function renderReport(model: ReportModel): Promise<string> {
  const hb = createEngine(await loadMathRenderer(), {
    heatStyle: (f: unknown) => heatStyle(f),
    heatLegend: () => heatLegendStyle(),
    scatter: (s: ScatterView) => new hb.SafeString(scatterSvg(s)),
    fieldChart: (v: ReferenceFieldView) => new hb.SafeString(referenceFieldSvg(v)),
    segments: (segs: Segment[] | undefined) =>
      new hb.SafeString(
        trusted(
          (segs ?? [])
            .map((s) => (s.shared ? `<mark>${escapeVisible(s.text)}</mark>` : escapeVisible(s.text)))
            .join(''),
        ),
      ),
    section: (key: string) => model.sections.find((s) => s.key === key),
    fraction100: (f: unknown) => (typeof f === 'number' ? Math.round(f * 100) : ''),
    pctOf: (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? (100 * a) / b : 0),
    neg: (a: unknown) => (typeof a === 'number' ? -a : a),
    minus: (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : undefined),
    ratio: (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 100)}%` : '–'),
    verdictClass: (v: unknown) => `verdict-${String(v).replace(/[^a-z-]/g, '')}`,
  });
  for (const name of [
    'scoreboard',
    'questions',
    'answers',
    'graders',
    'contamination',
    'benchmarks',
    'memorisation',
    'run',
    'empty',
    'sidebyside',
  ]) {
    hb.registerPartial(name === 'sidebyside' ? 'sideBySide' : name, readTemplate(`report-${name}.hbs`));
  }
  const body = hb.compile(readTemplate('report.hbs'))(model);
  return renderPage({ title: model.title, body: trusted(body) });
}
