import { z } from 'zod';

/**
 * Who is asking. Organisations: the monitoring mechanism, the coordination cell, a coalition
 * nation's delegation, or a party to the ceasefire. The public has no login.
 */
export const ORG_KINDS = ['mechanism', 'cell', 'nation', 'party'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const ROLES = ['monitor', 'analyst', 'chief_monitor', 'cell_officer', 'liaison_officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const Nation = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 3166-1 alpha-3 code');

export interface UserActor {
  type: 'user';
  id: string;
  username: string;
  nation: string;
  org: string;
  orgKind: OrgKind;
  roles: Role[];
  /** Scopes of the API token used, when not a session; undefined for a session (all the roles allow). */
  scopes?: string[];
}
export type Actor = UserActor | { type: 'public' };
export const PUBLIC_ACTOR: Actor = { type: 'public' };

/**
 * What an actor may read, as data the store turns into a query predicate (architecture.md:
 * releasability is enforced inside the repository queries, so no route can forget it).
 */
export type Visibility =
  | { all: true }
  | {
      all: false;
      /** Whole labels visible: always PUBLIC; COALITION and MECHANISM as the actor's org allows. */
      labels: string[];
      /** `REL TO` labels naming this nation are visible. */
      relToNation: string | null;
      /** Any `REL TO` label is visible (the mechanism sees every REL TO). */
      anyRelTo: boolean;
      /** `REL TO` labels naming every one of these nations are visible (a report to both parties). */
      relToAllOf?: readonly string[];
    };

export interface CoalitionConfig {
  /** Nations of the coalition (ISO3); Ukraine is one, the other party is not. */
  members: readonly string[];
  guarantors: readonly string[];
}

/**
 * What the system itself reads with (ingest, rules, sync, fan-out before per-client filtering).
 * Never derived from a request: routes get theirs from `visibilityOf(req.actor, ...)`.
 */
export const SEE_ALL: Visibility = { all: true };

export function visibilityOf(actor: Actor, coalition: CoalitionConfig): Visibility {
  if (actor.type === 'public') return { all: false, labels: ['PUBLIC'], relToNation: null, anyRelTo: false };
  if (actor.roles.includes('admin')) return { all: true };
  const labels = ['PUBLIC'];
  const inMechanism = actor.orgKind === 'mechanism';
  const inCoalition = inMechanism || actor.orgKind === 'cell' || coalition.members.includes(actor.nation);
  if (inCoalition) labels.push('COALITION');
  if (inMechanism) labels.push('MECHANISM');
  return { all: false, labels, relToNation: actor.nation, anyRelTo: inMechanism };
}

/** The same rule as `visibilityOf`, for one label: used by streams and in tests as the oracle. */
export function canSee(v: Visibility, label: string): boolean {
  if (v.all) return true;
  if (v.labels.includes(label)) return true;
  const m = /^REL TO (.*)$/.exec(label);
  if (!m) return false;
  if (v.anyRelTo) return true;
  const named = m[1]!.split(',').map((s) => s.trim());
  if (v.relToAllOf?.length && v.relToAllOf.every((n) => named.includes(n))) return true;
  return v.relToNation !== null && named.includes(v.relToNation);
}
