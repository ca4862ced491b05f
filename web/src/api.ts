import type { FeatureCollection, LineString, MultiPolygon, Polygon } from 'geojson';
import type { Observation, ObservationInput, ObservationKind, Problem } from './types';
import type { TimeWindow } from './time-window';

/** The API answered with problem+json (4xx/5xx). */
export class ProblemError extends Error {
  constructor(readonly problem: Problem, readonly status: number) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** The server could not be reached (offline, timeout): worth retrying later. */
export class NetworkError extends Error {}

export async function request<T>(url: string, init: RequestInit = {}): Promise<T> {
  const timeout = AbortSignal.timeout(20_000);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
    text = await res.text();
  } catch (e) {
    if (init.signal?.aborted) throw e;
    throw new NetworkError(e instanceof Error ? e.message : String(e));
  }
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    if (res.ok) throw new Error(`${url}: the answer is not JSON`);
  }
  if (!res.ok) throw new ProblemError((body ?? { detail: `HTTP ${res.status}` }) as Problem, res.status);
  return body as T;
}

export interface ObservationQuery extends TimeWindow {
  /** Omitted when every kind is wanted. */
  kinds?: ObservationKind[];
  /** Only observations whose latest judgement finds a breach. */
  breachesOnly?: boolean;
}

export interface ObservationList {
  items: Observation[];
  total: number;
}

const PAGE = 5000;
/** More than this is not useful on one map; the header says when the cap cut the list. */
export const MAX_SHOWN = 25_000;

export async function listObservations(q: ObservationQuery, signal?: AbortSignal): Promise<ObservationList> {
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (q.from) params.set('from', q.from.toISOString());
  if (q.to) params.set('to', q.to.toISOString());
  if (q.kinds) params.set('kind', q.kinds.join(','));
  if (q.breachesOnly) params.set('breach', 'true');
  const items: Observation[] = [];
  let total = 0;
  let cursor: string | null = null;
  do {
    if (cursor) params.set('cursor', cursor);
    const page: { items: Observation[]; total: number; nextCursor: string | null } = await request(`/api/observations?${params}`, { signal });
    items.push(...page.items);
    total = page.total;
    cursor = page.nextCursor;
  } while (cursor && items.length < MAX_SHOWN);
  return { items, total };
}

/** Cookie-authenticated writes echo the session's CSRF cookie (double submit); harmless without one. */
export function csrfHeader(): Record<string, string> {
  const m = /(?:^|;\s*)truceline_csrf=([^;]+)/.exec(document.cookie);
  return m ? { 'x-csrf-token': decodeURIComponent(m[1]!) } : {};
}

/** Files one observation. 201 created, 200 already stored (a retry): both give the stored record. */
export function postObservation(input: ObservationInput): Promise<Observation> {
  return request('/api/observations', { method: 'POST', headers: { 'content-type': 'application/json', ...csrfHeader() }, body: JSON.stringify(input) });
}

/** A refusal that says nothing about the observation itself (log in, wait): keep it queued. */
export const isTransient = (e: ProblemError) => e.status >= 500 || [401, 403, 408, 429].includes(e.status);

export type SectorCollection = FeatureCollection<Polygon | MultiPolygon, { id: string; name: string }>;
export type ContactLineCollection = FeatureCollection<LineString, { name: string; status: string; note: string }>;

export const getSectors = () => request<SectorCollection>('/api/sectors');
export const getContactLine = () => request<ContactLineCollection>('/api/contact-line');
