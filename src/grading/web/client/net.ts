import type { UnitView } from '../protocol.js';

/** Requests to the grading server: relative URLs under the page's token, no credentials, nothing cached. */

export async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await res.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(text.trim() || `HTTP ${res.status}`);
  }
  if (!res.ok) throw new Error((value as { error?: string }).error ?? `HTTP ${res.status}`);
  return value as T;
}

/** Screens already fetched: moving back and forth costs no request. Dropped when the unit's grades change. */
export const units = new Map<number, UnitView>();

export async function loadUnit(i: number): Promise<UnitView> {
  const hit = units.get(i);
  if (hit) return hit;
  const u = await api<UnitView>(`api/unit/${i}`);
  units.set(i, u);
  return u;
}
