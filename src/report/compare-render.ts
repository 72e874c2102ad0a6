import { trusted } from '../html/escape.js';
import { loadMathRenderer } from '../html/math.js';
import type { CompareResult } from './compare.js';
import { redactParams } from './run-facts.js';
import { createEngine, readTemplate, renderPage } from './templates.js';

const VERDICT_PARTIAL =
  '{{#if (eq points undefined)}}<span class="tag warn">{{state}}</span>{{else}}<strong>{{num points}}</strong>{{/if}}' +
  '{{#if outcome}} <span class="qmeta">check: {{outcome}}{{#if extracted}}, read <code>{{visible extracted}}</code>{{/if}}</span>{{/if}}' +
  '{{#if graders.length}}<span class="sub">{{join graders ", "}}</span>{{/if}}';

/** The comparison as one self-contained page, with the report's look, CSP and navigation script. */
export async function renderCompare(
  c: CompareResult,
  meta: { generatedAt: string; toolVersion: string },
): Promise<string> {
  const hb = createEngine(await loadMathRenderer(), {
    kindTone: (k: unknown) => (k === 'human' ? 'good' : k === 'judge' ? 'info' : 'muted'),
    pval: (p: unknown) =>
      typeof p !== 'number' ? '–' : p < 0.001 ? '< 0.001' : `= ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`,
  });
  hb.registerPartial('verdict', VERDICT_PARTIAL);
  const view = {
    ...c,
    ...meta,
    baseline: c.runs[0].label,
    runs: c.runs.map((r) => ({ ...r, paramList: redactParams(r.params) })),
    others: c.runs.slice(1),
    models: c.models.map((m) => ({ ...m, others: m.vsBase.slice(1) })),
    questionBlocks: c.runs.slice(1).map((r, i) => ({
      run: r.label,
      against: c.runs[0].label,
      rows: c.models.map((m, mi) => ({
        label: m.label,
        cells: c.questions.map((q) => {
          const pts = q.models[mi].points;
          const a = pts[0];
          const b = pts[i + 1];
          const delta = a === null || b === null ? null : b - a;
          return {
            delta,
            tone: delta === null ? 'na' : delta > 1e-9 ? 'up' : delta < -1e-9 ? 'down' : 'same',
            title: `${m.label}, question ${q.label}: ${a ?? '–'} → ${b ?? '–'} of ${q.maxPoints}`,
          };
        }),
      })),
    })),
  };
  const body = hb.compile(readTemplate('compare.hbs'))(view);
  return renderPage({ title: `${c.examId}: comparison of runs`, body: trusted(body), script: readTemplate('nav.js') });
}
