import type { Agreement } from '../domain/agreement';
import type { AgreementRevision, AgreementRevisionInfo } from './agreement-repository';

/** A row of the `agreements` table, as both engines return it. */
export type RevisionRow = { revision: number; agreement_id: string; stored_at: string; stored_by: string; reason: string; doc?: string };

export const infoFromRow = (r: RevisionRow): AgreementRevisionInfo => ({
  revision: Number(r.revision),
  agreementId: r.agreement_id,
  storedAt: r.stored_at,
  by: r.stored_by,
  reason: r.reason,
});

export const revisionFromRow = (r: RevisionRow): AgreementRevision => ({ ...infoFromRow(r), doc: JSON.parse(r.doc!) as Agreement });
