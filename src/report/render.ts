import { anchorId, escapeVisible, trusted } from '../html/escape.js';
import { loadMathRenderer } from '../html/math.js';
import type { ScatterView } from './benchmarks-section.js';
import { heatLegendStyle, heatStyle, scatterSvg } from './charts.js';
import type { ReportModel } from './model.js';
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
    sectionTitle: (key: string) => {
      const s = model.sections.find((x) => x.key === key);
      return s ? `${s.number}  ${s.title}` : key;
    },
    fraction100: (f: unknown) => (typeof f === 'number' ? Math.round(f * 100) : ''),
    pctOf: (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? (100 * a) / b : 0),
    neg: (a: unknown) => (typeof a === 'number' ? -a : a),
    minus: (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : undefined),
    ratio: (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 100)}%` : '–'),
    verdictClass: (v: unknown) => `verdict-${String(v).replace(/[^a-z-]/g, '')}`,
    modelAnchor: (m: unknown) => anchorId('m', String((m as { index?: unknown })?.index)),
    pval: (p: unknown) =>
      typeof p !== 'number' ? '–' : p < 0.001 ? '< 0.001' : `= ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`,
    frac: (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : undefined),
    kindTone: (k: unknown) => (k === 'human' ? 'good' : k === 'judge' ? 'info' : 'muted'),
    stateTone: (s: unknown) => STATE_TONE[String(s)] ?? 'muted',
    stateText: (s: unknown) => STATE_TEXT[String(s)] ?? String(s),
    duration: (sec: unknown) => (typeof sec === 'number' ? formatDuration(sec) : '–'),
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
  hb.registerPartial('figure', readTemplate('figure.hbs').trimEnd());
  const body = hb.compile(readTemplate('report.hbs'))(model);
  return renderPage({ title: model.title, body: trusted(body), script: readTemplate('nav.js') });
}

const STATE_TONE: Record<string, string> = {
  graded: 'good',
  correct: 'good',
  incorrect: 'bad',
  undetermined: 'warn',
  ungraded: 'warn',
  missing: 'warn',
  failed: 'bad',
  unanswered: 'muted',
};
const STATE_TEXT: Record<string, string> = {
  graded: 'graded',
  undetermined: 'undetermined: the automatic check could not decide, and no other grader graded it',
  ungraded: 'not graded: a grader failed (see its note)',
  missing: 'not graded yet',
  failed: 'failed: the model call failed, so there is no answer (counts 0)',
  unanswered: 'no answer given (counts 0)',
};

function formatDuration(sec: number): string {
  if (sec < 1) return `${Math.round(sec * 1000)} ms`;
  if (sec < 120) return `${sec.toFixed(1)} s`;
  if (sec < 7200) return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
  return `${(sec / 3600).toFixed(1)} h`;
}
