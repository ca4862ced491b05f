import type { z } from 'zod';
import type { IncidentHeaderSchema, IncidentSchema } from '../../src/server/incident.schemas';
import { csrfHeader, request } from './api';

// The wire types come from the server's schemas (type-only: nothing of them is bundled).
export type IncidentHeader = z.output<typeof IncidentHeaderSchema>;
export type Incident = z.output<typeof IncidentSchema>;
export type IncidentAction = Incident['actions'][number];

export const STATE_LABELS: Record<IncidentHeader['state'], string> = {
  received: 'Received',
  triaged: 'Triaged',
  under_investigation: 'Under investigation',
  findings: 'Findings drafted',
  review: 'In review',
  verified_violation: 'Verified violation',
  verified_no_violation: 'Verified: no violation',
  inconclusive: 'Inconclusive',
  merged: 'Merged',
  rejected: 'Rejected',
  access_denied: 'Access denied',
  reopened: 'Reopened',
};

/** The queue: what still needs an analyst, oldest event first. */
export const OPEN_STATES = ['received', 'triaged', 'under_investigation', 'findings', 'review', 'reopened'] as const;

export function listIncidents(q: { states: readonly string[]; sector?: string; sort: 'age' | 'recent' | 'sector' | 'updated' }, signal?: AbortSignal) {
  const p = new URLSearchParams({ sort: q.sort, limit: '200' });
  if (q.states.length) p.set('state', q.states.join(','));
  if (q.sector) p.set('sector', q.sector);
  return request<{ items: IncidentHeader[]; total: number }>(`/api/incidents?${p}`, { signal });
}

export const getIncident = (id: string, signal?: AbortSignal) => request<Incident>(`/api/incidents/${encodeURIComponent(id)}`, { signal });

export interface AssessmentDraft {
  finding: 'violation' | 'no_violation' | 'inconclusive';
  attribution: string;
  confidence: 'low' | 'medium' | 'high';
  rationale: string;
}

export function transition(i: Pick<Incident, 'id' | 'version'>, to: string, reason: string | null, assessment?: AssessmentDraft) {
  return request<Incident>(`/api/incidents/${encodeURIComponent(i.id)}/transitions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...csrfHeader() },
    body: JSON.stringify({ to, ifVersion: i.version, ...(reason ? { reason } : {}), ...(assessment ? { assessment } : {}) }),
  });
}

/** "3 h", "2 d": how long ago an event began, for the queue. */
export function age(iso: string, now = Date.now()): string {
  const h = (now - Date.parse(iso)) / 3_600_000;
  return h < 1 ? `${Math.max(1, Math.round(h * 60))} min` : h < 48 ? `${Math.round(h)} h` : `${Math.round(h / 24)} d`;
}
