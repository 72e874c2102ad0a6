import { splitModelLabel } from '../store/records.js';
import type { ReportInputs, ScoreModelInput } from './inputs.js';

export interface ModelRef {
  spec: string;
  label: string;
  /** Position in the scoreboard (0-based): anchors use it because specs can contain anything. */
  index: number;
}

/**
 * A short, readable name: `Grok-1=replay:sheet.csv` → `Grok-1` (the label given), `openai:gpt-4o` → `gpt-4o`,
 * `replay:examples/answers/strong.jsonl` → `strong`.
 */
export function modelLabel(given: string): string {
  const { label, spec } = splitModelLabel(given);
  if (label) return label;
  const colon = spec.indexOf(':');
  if (colon < 0) return spec;
  const provider = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (provider === 'replay') return (rest.split(/[\\/]/).pop() ?? rest).replace(/\.(jsonl|json|csv)$/i, '');
  return rest;
}

/** The run's models, named once for every section, and the scored ones best first. */
export interface RunModels {
  models: ModelRef[];
  modelOf: Map<string, ModelRef>;
  /** The score's models, best first (ties by spec). */
  scored: ScoreModelInput[];
}

/** Scoreboard order when scored, else the order models first appear in the manifest, then in the responses. */
export function runModels(inputs: Pick<ReportInputs, 'score' | 'manifest' | 'responses'>): RunModels {
  const specs: string[] = [];
  const seen = new Set<string>();
  const add = (s: string) => {
    if (!seen.has(s)) {
      seen.add(s);
      specs.push(s);
    }
  };
  const scored = [...(inputs.score?.models ?? [])].sort(
    (a, b) => b.percent - a.percent || a.model.localeCompare(b.model),
  );
  for (const m of scored) add(m.model);
  for (const m of (inputs.manifest?.models as unknown[] | undefined) ?? []) {
    const spec = typeof m === 'string' ? m : (m as { spec?: unknown })?.spec;
    if (typeof spec === 'string') add(spec);
  }
  for (const r of inputs.responses) add(r.model);
  const labels = new Map<string, number>();
  for (const s of specs) labels.set(modelLabel(s), (labels.get(modelLabel(s)) ?? 0) + 1);
  const models: ModelRef[] = specs.map((spec, index) => ({
    spec,
    // Two specs with one short name (e.g. the same model at two providers) keep their full spec.
    label: (labels.get(modelLabel(spec)) ?? 0) > 1 ? spec : modelLabel(spec),
    index,
  }));
  return { models, modelOf: new Map(models.map((m) => [m.spec, m])), scored };
}
