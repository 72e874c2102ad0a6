import type { ModelCallError } from '../models/index.js';
import type { ResponseRecord } from '../store/records.js';

/** What a run reports as it goes: the CLI's progress and tests listen to these. */
export type RunEvent =
  | { type: 'start'; runDir: string; planned: number; todo: number; resumed: boolean }
  | { type: 'repaired'; line: number; kept: number; file: string }
  | { type: 'warning'; message: string }
  | { type: 'item'; record: ResponseRecord; done: number; todo: number }
  | { type: 'retry'; model: string; kind: string; status?: number; delayMs: number; retry: number }
  | { type: 'stopping'; inFlight: number };

/** A model call's retry as a run event (shared by `run` and `probe`). */
export function retryEvent(i: { spec: string; error: ModelCallError; delayMs: number; retry: number }): RunEvent {
  return {
    type: 'retry',
    model: i.spec,
    kind: i.error.kind,
    status: i.error.status,
    delayMs: i.delayMs,
    retry: i.retry,
  };
}
