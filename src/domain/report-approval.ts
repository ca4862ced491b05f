import type { Role } from './identity';

/**
 * How a report goes out, as a table (architecture.md: workflow as data): drafted by an analyst,
 * reviewed by an analyst or chief monitor, approved and published by a chief monitor. A chief
 * monitor may send any unpublished report back to draft, with a reason.
 */
export const REPORT_STATES = ['draft', 'reviewed', 'approved', 'published'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

export interface ReportStep {
  from: ReportState;
  to: ReportState;
  roles: readonly Role[];
  reasonRequired: boolean;
}

export const REPORT_STEPS: readonly ReportStep[] = [
  { from: 'draft', to: 'reviewed', roles: ['analyst', 'chief_monitor', 'admin'], reasonRequired: false },
  { from: 'reviewed', to: 'approved', roles: ['chief_monitor', 'admin'], reasonRequired: false },
  { from: 'approved', to: 'published', roles: ['chief_monitor', 'admin'], reasonRequired: false },
  { from: 'reviewed', to: 'draft', roles: ['chief_monitor', 'admin'], reasonRequired: true },
  { from: 'approved', to: 'draft', roles: ['chief_monitor', 'admin'], reasonRequired: true },
];

/** The step from one state to another for these roles, or why there is none. */
export function reportStep(from: ReportState, to: ReportState, roles: readonly Role[]): { step: ReportStep } | { refused: 'illegal' | 'role' } {
  const steps = REPORT_STEPS.filter((s) => s.from === from && s.to === to);
  if (!steps.length) return { refused: 'illegal' };
  const step = steps.find((s) => s.roles.some((r) => roles.includes(r)));
  return step ? { step } : { refused: 'role' };
}

/** A report record's label follows its audience (architecture.md, "Releasability"). */
export const AUDIENCE_LABEL = { public: 'PUBLIC', cell: 'COALITION', parties: 'REL TO RUS, UKR' } as const;
