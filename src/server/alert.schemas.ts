import { z } from 'zod';
import { ALERT_STATES, TRIGGER_CRITERION_KINDS, TriggerCriteriaSet } from '../domain/guarantee';

/** Wire shapes of the guarantee alerts and trigger criteria API. */

export const AlertAckSchema = z
  .object({
    nation: z.string().describe('The guarantor nation that acknowledged (ISO 3166-1 alpha-3)'),
    by: z.string().describe('Who acknowledged for it, as the audit log names actors (`user:<name>`, `token:<name>`)'),
    userId: z.string().nullable().describe('Id of that user'),
    at: z.string().describe('When (ISO 8601, UTC)'),
    note: z.string().nullable().describe('What the officer added'),
  })
  .describe("One guarantor nation's acknowledgement");

export const AlertSchema = z
  .object({
    id: z.string().describe('Alert id (UUIDv7-shaped, the same in every process for the same criterion and trigger)'),
    criterionId: z.string().describe('Id of the trigger criterion met'),
    criterionKind: z.enum(TRIGGER_CRITERION_KINDS).describe('Kind of that criterion'),
    criterionName: z.string().describe('Name of that criterion, as configured'),
    sector: z.string().nullable().describe('Sector of the triggering observations; null outside every sector'),
    state: z.enum(ALERT_STATES).describe('open: awaiting acknowledgements; acknowledged: every required nation acknowledged; escalated: the deadline passed first'),
    raisedAt: z.string().describe('When the alert was raised (ISO 8601, UTC)'),
    escalateAt: z.string().describe('Deadline: unless every required nation has acknowledged by then, the alert escalates'),
    escalatedAt: z.string().nullable().describe('When it escalated, if it did'),
    acknowledgedAt: z.string().nullable().describe('When the last required nation acknowledged'),
    updatedAt: z.string().describe('Last change (acknowledgement, escalation, observation attached)'),
    firstObservedAt: z.string().describe('observedAt of the earliest observation attached'),
    lastObservedAt: z.string().describe('observedAt of the latest observation attached'),
    coalesceUntil: z.string().describe('Matching observations made up to this instant join this alert while it is unacknowledged'),
    observationIds: z.array(z.string()).describe('The triggering and attached observations, in the order attached (the first 200); each is readable only where released to you'),
    observationCount: z.number().int().describe('How many observations are attached, in all'),
    summary: z.string().describe('What triggered, where and when, for a human'),
    releasability: z.string().describe('Who may see the alert: `REL TO <guarantor nations>` (and the mechanism)'),
    requiredNations: z.array(z.string()).describe('Nations each of which must acknowledge'),
    acks: z.array(AlertAckSchema).describe('Acknowledgements so far, oldest first'),
    pendingNations: z.array(z.string()).describe('Required nations that have not acknowledged yet'),
    canAck: z.boolean().describe('Whether you may acknowledge it now (your nation is still to acknowledge and your role allows it)'),
    detail: z.record(z.string(), z.unknown()).describe('The numbers of the match (distance, count, threshold, site...)'),
  })
  .describe('A guarantee alert: a trigger criterion was met while the agreement is in force');

export const AlertPage = z.object({
  items: z.array(AlertSchema),
  total: z.number().int().describe('Alerts released to you that match the filters'),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
});

export const AlertListQuery = z.object({
  state: z
    .string()
    .regex(new RegExp(`^(${ALERT_STATES.join('|')})(,(${ALERT_STATES.join('|')}))*$`), `must be a comma-separated list of ${ALERT_STATES.join(', ')}`)
    .transform((s) => [...new Set(s.split(','))] as (typeof ALERT_STATES)[number][])
    .optional()
    .describe('Comma-separated states, e.g. `open,escalated` for the alerts still awaiting acknowledgement'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size (1-500)'),
  cursor: z.string().max(500).optional().describe('From the previous page’s nextCursor'),
});

export const AlertParams = z.object({ id: z.string().min(1).max(128).describe('Alert id') });

export const AckBody = z
  .object({
    note: z.string().trim().max(2000).optional().describe('What the acknowledging officer adds (kept with the acknowledgement and in the audit log)'),
  })
  .strict()
  .describe('Acknowledge for your nation');

export const CriteriaResponse = z
  .object({
    revision: z.number().int().describe('Stored revision in force (1, 2, ...); 0: the shipped default file, none stored yet'),
    storedAt: z.string().nullable().describe('When it was stored; null for the default file'),
    by: z.string().describe('Who stored it (`default` for the shipped file)'),
    reason: z.string().describe('`update`, or `default`'),
    criteria: TriggerCriteriaSet,
  })
  .describe('The guarantee trigger criteria in force');

export const CriteriaBody = z
  .object({
    criteria: TriggerCriteriaSet.describe('The whole criteria document; it replaces the one in force'),
    ifRevision: z.number().int().min(0).optional().describe('Refuse (409) unless this revision is still in force (0: the default file)'),
  })
  .strict()
  .describe('Replace the trigger criteria in force');
