import type { ReportInputs } from './inputs.js';

/** Keys whose values are never shown: a run file should hold no secret, and the report double-checks. */
const SECRET_KEY =
  /(api[-_]?key|apikey|^key$|[-_]key$|token|secret|passw|authori[sz]ation|credential|cookie|bearer|session|private)/i;
/** Values that look like credentials whatever their key (OpenAI/Anthropic/xAI keys, bearer headers, JWTs). */
const SECRET_VALUE =
  /(\bsk-[A-Za-z0-9_-]{12,}|\bxai-[A-Za-z0-9]{12,}|Bearer\s+\S{8,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})/;

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

export function runFacts(inputs: ReportInputs, models: { spec: string; label: string; index: number }[]) {
  const m = inputs.manifest ?? {};
  const exam = (m.exam && typeof m.exam === 'object' ? m.exam : {}) as Record<string, unknown>;
  const recordedHash = [m.examHash, exam.hash, exam.examHash].find((v): v is string => typeof v === 'string');
  const perModel = models.map((model) => {
    const rs = inputs.responses.filter((r) => r.model === model.spec);
    const tokensIn = rs.reduce((s, r) => s + (r.usage?.inputTokens ?? 0), 0);
    const tokensOut = rs.reduce((s, r) => s + (r.usage?.outputTokens ?? 0), 0);
    const made = inputs.versions?.perModel[model.spec] ?? [];
    return {
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
  const params = redactParams(m.params ?? m.parameters ?? {});
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
    facts,
    grades: inputs.grades.length,
    responses: inputs.responses.length,
    examVersion: inputs.versions?.exam,
    rubricVersion: inputs.versions?.rubric,
    staleUnits: [...new Set((inputs.versions?.stale ?? []).map((s) => s.unitId))].join(', '),
  };
}
