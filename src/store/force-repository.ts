import type { Commitment, CommitmentDocument } from '../domain/commitments';
import type { Deployment, ForceSettings, LeadNation, Pledge, Requirement, Unit } from '../domain/force';
import type { Visibility } from '../domain/identity';

/*
 * The force and the commitments register. Each kind of record is its own table of the same shape:
 * the id, the columns queries filter on (releasability, nation), a version that goes up by one per
 * write, and the record as JSON. The registers are small (hundreds of rows, not millions), so
 * lists are whole rather than paged.
 */

export const FORCE_KINDS = ['requirement', 'pledge', 'unit', 'deployment', 'lead_nation', 'document', 'commitment'] as const;
export type ForceKind = (typeof FORCE_KINDS)[number];

export interface ForceRecords {
  requirement: Requirement;
  pledge: Pledge;
  unit: Unit;
  deployment: Deployment;
  lead_nation: LeadNation;
  document: CommitmentDocument;
  commitment: Commitment;
}

/** What the store adds to every record. */
export interface StoredMeta {
  version: number;
  updatedAt: string;
  updatedBy: string;
}
export type Stored<K extends ForceKind> = ForceRecords[K] & StoredMeta;

export const FORCE_TABLES: Record<ForceKind, string> = {
  requirement: 'force_requirements',
  pledge: 'force_pledges',
  unit: 'force_units',
  deployment: 'force_deployments',
  lead_nation: 'force_lead_nations',
  document: 'force_documents',
  commitment: 'force_commitments',
};

/** The nation a record is filed under (for `?nation=`), or null for the force as a whole. */
export function nationOf<K extends ForceKind>(kind: K, r: ForceRecords[K]): string | null {
  return 'nation' in r && typeof r.nation === 'string' ? r.nation : null;
}

export interface ForceWrite {
  at: string;
  by: string;
  /** Write only if the stored record is at this version (0: only if it does not exist yet). */
  ifVersion?: number;
}

export interface ForceRepository {
  /** Creates or replaces the record (version 1, then one more per write). ConflictError when ifVersion does not match. */
  put<K extends ForceKind>(kind: K, record: ForceRecords[K], write: ForceWrite): Promise<{ record: Stored<K>; created: boolean }>;
  get<K extends ForceKind>(kind: K, id: string, visibility: Visibility): Promise<Stored<K> | undefined>;
  /** Every record of the kind released to the reader (optionally of one nation), ordered by id. */
  list<K extends ForceKind>(kind: K, q: { visibility: Visibility; nation?: string }): Promise<Stored<K>[]>;
  /** Removes a record the reader may see; false when there was none. */
  remove(kind: ForceKind, id: string, visibility: Visibility): Promise<boolean>;
  settings(): Promise<ForceSettings | undefined>;
  putSettings(s: ForceSettings, write: Omit<ForceWrite, 'ifVersion'>): Promise<void>;
}

/* What both SQL stores share. */

export type ForceRow = { id: string; version: number; updated_at: string; updated_by: string; doc: string };
export const FORCE_COLUMNS = 'id, version, updated_at, updated_by, doc';

export function fromRow<K extends ForceKind>(r: ForceRow): Stored<K> {
  return { ...(JSON.parse(r.doc) as ForceRecords[K]), version: Number(r.version), updatedAt: r.updated_at, updatedBy: r.updated_by };
}

/** The record as stored: without the store's own fields, whatever the caller passed. */
export function docOf<K extends ForceKind>(r: ForceRecords[K]): string {
  const { version: _v, updatedAt: _a, updatedBy: _b, ...rest } = r as ForceRecords[K] & Partial<StoredMeta>;
  return JSON.stringify(rest);
}
