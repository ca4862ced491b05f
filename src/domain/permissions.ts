import type { Actor, Role } from './identity';

/**
 * Every route names one permission; roles grant them. Kept as a table (architecture.md:
 * authorisation in one place), so a reviewer reads who may do what in one screen.
 */
export const PERMISSIONS = {
  'observation.read': { roles: 'any-user', write: false, public: true },
  'observation.write': { roles: ['monitor', 'analyst', 'chief_monitor', 'cell_officer', 'admin'], write: true },
  'observation.import': { roles: ['analyst', 'chief_monitor', 'admin'], write: true },
  'observation.relabel': { roles: ['analyst', 'chief_monitor', 'admin'], write: true },
  // The agreement's text and zones are public: the ceasefire's terms are what everyone is held to.
  'agreement.read': { roles: 'any-user', write: false, public: true },
  'agreement.write': { roles: ['chief_monitor', 'cell_officer', 'admin'], write: true },
  /** TAK positions, drawn areas and chat: the mechanism's own field picture (labelled MECHANISM). */
  'tak.read': { roles: 'any-user', write: false },
  'map.read': { roles: 'any-user', write: false, public: true },
  /** A report's audience decides what it may hold; reading the public one needs no login. */
  'report.read': { roles: 'any-user', write: false, public: true },
  'report.write': { roles: ['analyst', 'chief_monitor', 'admin'], write: true },
  'quarantine.read': { roles: ['analyst', 'chief_monitor', 'admin'], write: false },
  'audit.read': { roles: ['chief_monitor', 'admin'], write: false },
  'user.admin': { roles: ['admin'], write: true },
  'token.self': { roles: 'any-user', write: true },
  'task.read': { roles: 'any-user', write: false },
  'task.write': { roles: ['analyst', 'chief_monitor', 'cell_officer', 'admin'], write: true },
  'task.respond': { roles: 'any-user', write: true },
  'alert.read': { roles: 'any-user', write: false },
  'alert.ack': { roles: ['liaison_officer', 'cell_officer', 'admin'], write: true },
  'trigger.admin': { roles: ['cell_officer', 'admin'], write: true },
  'cot.connect': { roles: 'any-user', write: true },
  // Land options are read by any user the option is released to; drafting is for the mechanism's and the cell's staff.
  'land.read': { roles: 'any-user', write: false },
  'land.write': { roles: ['analyst', 'chief_monitor', 'cell_officer', 'admin'], write: true },
  /** The multinational force and the commitments register (labelled, COALITION by default). */
  'force.read': { roles: 'any-user', write: false },
  'force.write': { roles: ['cell_officer', 'admin'], write: true },
  // Verification (issue 7): analysts triage, investigate, draft and confirm findings; a chief monitor reviews them.
  'incident.read': { roles: 'any-user', write: false },
  'incident.write': { roles: ['analyst', 'chief_monitor', 'admin'], write: true },
  'incident.review': { roles: ['chief_monitor', 'admin'], write: true },
  // Parties, nations and partners file allegations; the mechanism's users record those of the public.
  'allegation.file': { roles: 'any-user', write: true },
  'allegation.read': { roles: 'any-user', write: false },
  // The transparency log's hashes, proofs and checkpoints are public: anyone may check the record.
  'log.read': { roles: 'any-user', write: false, public: true },
  'log.checkpoint': { roles: ['chief_monitor', 'admin'], write: true },
  /** Evidence: what each reader sees is decided by the labels of its attachments. Parties and partners attach evidence to allegations too. */
  'evidence.read': { roles: 'any-user', write: false },
  'evidence.write': { roles: ['monitor', 'analyst', 'chief_monitor', 'cell_officer', 'liaison_officer', 'admin'], write: true },
} as const satisfies Record<string, { roles: readonly Role[] | 'any-user'; write: boolean; public?: boolean }>;
export type Permission = keyof typeof PERMISSIONS;

/** API token scopes: `read` allows what does not write; `write` allows both; `admin` everything the user may. */
export const TOKEN_SCOPES = ['read', 'write', 'cot', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function allows(actor: Actor, permission: Permission): boolean {
  const p: { roles: readonly Role[] | 'any-user'; write: boolean; public?: boolean } = PERMISSIONS[permission];
  if (actor.type === 'public') return p.public === true;
  const byRole = p.roles === 'any-user' || actor.roles.includes('admin') || actor.roles.some((r) => (p.roles as readonly Role[]).includes(r));
  if (!byRole) return false;
  if (!actor.scopes) return true;
  if (actor.scopes.includes('admin')) return true;
  if (permission === 'cot.connect') return actor.scopes.includes('cot');
  return p.write ? actor.scopes.includes('write') : actor.scopes.includes('read') || actor.scopes.includes('write');
}
