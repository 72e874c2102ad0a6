import type { ReportInputs } from './inputs.js';

/** Keys whose values are never shown: a run file should hold no secret, and the report double-checks. */
// `maxTokens` is a parameter, not a token.
const SECRET_KEY =
  /(api[-_]?key|apikey|^key$|[-_]key$|(?<!max[-_]?)token|secret|passw|authori[sz]ation|credential|cookie|bearer|session|private)/i;
/** Values that look like credentials whatever their key (OpenAI/Anthropic/xAI keys, bearer headers, JWTs). */
const SECRET_VALUE =
  /(\bsk-[A-Za-z0-9_-]{12,}|\bxai-[A-Za-z0-9]{12,}|Bearer\s+\S{8,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})/;

/** Whether a parameter's name looks like it holds a secret. */
export const isSecretKey = (key: string) => SECRET_KEY.test(key);

export interface Fact {
  key: string;
  value: string;
}

/** Flattens parameters to `a.b = value` rows, dropping secret-looking keys and values. */
export function redactParams(value: unknown, prefix = '', depth = 0): Fact[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object') {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (SECRET_VALUE.test(text)) return [];
    return [{ key: prefix || '(value)', value: text.length > 300 ? `${text.slice(0, 300)}…` : text }];
  }
  if (depth > 4) return [{ key: prefix, value: '…' }];
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const safe = value.filter((v) => !SECRET_VALUE.test(String(v)));
      return [{ key: prefix, value: safe.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ') }];
    }
    return value.flatMap((v, i) => redactParams(v, `${prefix}[${i}]`, depth + 1));
  }
  return Object.entries(value as Record<string, unknown>)
    .filter(([k]) => !SECRET_KEY.test(k))
    .flatMap(([k, v]) => redactParams(v, prefix ? `${prefix}.${k}` : k, depth + 1));
}

// `versions` (per-unit hashes) is summarised in its own rows rather than listed hash by hash.
const TOP_LEVEL_SKIP = new Set(['models', 'params', 'parameters', 'exam', 'versions']);

/** Parameters of a model call: they did not apply to replayed answers, which were not generated here. */
const SAMPLING_PARAMS = new Set([
  'temperature',
  'maxTokens',
  'seed',
  'mode',
  'shots',
  'systemTemplate',
  'userTemplate',
]);

/** Which models a parameter applied to: live ones for sampling parameters; `shots` only in completion mode. */
function applicableParams(params: Record<string, unknown>, specs: string[]) {
  const replayed = specs.filter((s) => s.startsWith('replay:'));
  const live = specs.length - replayed.length;
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    const notApplied =
      (SAMPLING_PARAMS.has(k) && live === 0) || (k === 'shots' && params.mode !== 'completion') || v === undefined;
    if (notApplied) dropped.push(k);
    else kept[k] = v;
  }
  return {
    kept,
    note:
      live === 0 && specs.length
        ? `Every answer was replayed from a file, so no model was called: ${dropped.filter((k) => SAMPLING_PARAMS.has(k)).join(', ') || 'sampling parameters'} did not apply and are not shown.`
        : replayed.length
          ? `Sampling parameters applied to the ${live} called model${live === 1 ? '' : 's'} only, not to the replayed ${replayed.length}.`
          : undefined,
  };
}

/** US dollars per million tokens, when the manifest recorded prices for a model. */
function pricesOf(m: Record<string, unknown>, spec: string): { input: number; output: number } | undefined {
  const models = Array.isArray(m.models) ? m.models : [];
  const entry = models.find((x) => x && typeof x === 'object' && (x as { spec?: unknown }).spec === spec) as
    | { prices?: { input?: unknown; output?: unknown } }
    | undefined;
  const p = entry?.prices;
  return typeof p?.input === 'number' && typeof p?.output === 'number'
    ? { input: p.input, output: p.output }
    : undefined;
}

export function runFacts(inputs: ReportInputs, models: { spec: string; label: string; index: number }[]) {
  const m = inputs.manifest ?? {};
  const exam = (m.exam && typeof m.exam === 'object' ? m.exam : {}) as Record<string, unknown>;
  const recordedHash = [m.examHash, exam.hash, exam.examHash].find((v): v is string => typeof v === 'string');
  const perModel = models.map((model) => {
    const rs = inputs.responses.filter((r) => r.model === model.spec);
    const tokensIn = rs.reduce((s, r) => s + (r.usage?.inputTokens ?? 0), 0);
    const tokensOut = rs.reduce((s, r) => s + (r.usage?.outputTokens ?? 0), 0);
    const prices = pricesOf(m, model.spec);
    const timed = rs.filter((r) => r.timing);
    const made = inputs.versions?.perModel[model.spec] ?? [];
    return {
      replayed: model.spec.startsWith('replay:'),
      /** Sum of the calls' durations (they may have overlapped); undefined when nothing was timed. */
      callSeconds: timed.length ? timed.reduce((s, r) => s + r.timing!.ms, 0) / 1000 : undefined,
      cost: prices
        ? rs
            .filter((r) => !r.cached)
            .reduce(
              (s, r) =>
                s + ((r.usage?.inputTokens ?? 0) * prices.input + (r.usage?.outputTokens ?? 0) * prices.output) / 1e6,
              0,
            )
        : undefined,
      model,
      gradedUnder: made
        .map((v) => `exam ${v.exam ?? 'unrecorded'}, rubric ${v.rubric ?? 'unrecorded'} (${v.grades} grades)`)
        .join('; '),
      responses: rs.length,
      errors: rs.filter((r) => r.error).length,
      samples: rs.length ? Math.max(...rs.map((r) => r.sample)) + 1 : 0,
      tokensIn,
      tokensOut,
    };
  });
  const rawParams = (m.params ?? m.parameters ?? {}) as Record<string, unknown>;
  const applicable =
    rawParams && typeof rawParams === 'object' && !Array.isArray(rawParams)
      ? applicableParams(
          rawParams,
          models.map((x) => x.spec),
        )
      : { kept: rawParams, note: undefined };
  const params = redactParams(applicable.kept);
  const started = typeof m.startedAt === 'string' ? Date.parse(m.startedAt) : Number.NaN;
  const finished = typeof m.finishedAt === 'string' ? Date.parse(m.finishedAt) : Number.NaN;
  const facts = Object.entries(m)
    .filter(([k]) => !TOP_LEVEL_SKIP.has(k) && !SECRET_KEY.test(k))
    .flatMap(([k, v]) => redactParams(v, k));
  return {
    runId: inputs.runId,
    examId: inputs.exam.id,
    examTitle: inputs.exam.title,
    examHash: recordedHash ?? inputs.examHash,
    examHashNow: inputs.examHash,
    examChanged: recordedHash !== undefined && inputs.examHash !== undefined && recordedHash !== inputs.examHash,
    toolVersion: inputs.toolVersion,
    generatedAt: inputs.generatedAt,
    models: perModel,
    params,
    paramsNote: applicable.note,
    /** Wall time of the run, start to finish (all models together). */
    wallSeconds:
      Number.isFinite(started) && Number.isFinite(finished) && finished >= started
        ? (finished - started) / 1000
        : undefined,
    anyCost: perModel.some((p) => p.cost !== undefined),
    anyTiming: perModel.some((p) => p.callSeconds !== undefined),
    facts,
    grades: inputs.grades.length,
    responses: inputs.responses.length,
    examVersion: inputs.versions?.exam,
    rubricVersion: inputs.versions?.rubric,
    staleUnits: [...new Set((inputs.versions?.stale ?? []).map((s) => s.unitId))].join(', '),
  };
}
