import { z } from 'zod';
import { COUNTED_STATUSES, type Pledge } from './force';
import { Nation } from './identity';
import { Releasability } from './releasability';

/*
 * The commitments register: who promised what, in which document, under which conditions, and
 * what came of it. Documents have versions (a draft statement, the final communique); a
 * commitment carries its wording in each version it stands in, so one that stood in a draft and
 * is missing from the final text shows as dropped, with both wordings side by side.
 */

export const DOCUMENT_KINDS = ['declaration_of_intent', 'communique', 'statement', 'bilateral_agreement'] as const;
export const DOCUMENT_STAGES = ['draft', 'final'] as const;
export const CONDITION_KINDS = ['after_ceasefire', 'new_attack', 'parliament_approval', 'other'] as const;
export const COMMITMENT_STATUSES = ['proposed', 'conditional', 'in_force', 'partly_delivered', 'delivered', 'lapsed'] as const;
export type CommitmentStatus = (typeof COMMITMENT_STATUSES)[number];

const Id = z.string().min(1).max(128).describe('Id (UUIDv7 unless the client supplied one; kept as given)');
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .describe('A date, YYYY-MM-DD');
const Label = Releasability.default('COALITION');

export const DocumentVersion = z
  .object({
    id: z.string().min(1).max(64).describe('Version id within the document, e.g. "draft-1", "final"'),
    stage: z.enum(DOCUMENT_STAGES).describe('draft | final'),
    date: Day.describe('Date of this text'),
    title: z.string().max(300).default('').describe('Title of this text, e.g. "Draft leaders\' statement"'),
  })
  .strict();

export const CommitmentDocumentInput = z
  .object({
    id: Id.optional(),
    kind: z.enum(DOCUMENT_KINDS).describe('declaration_of_intent | communique | statement | bilateral_agreement'),
    title: z.string().min(1).max(300).describe('Title'),
    place: z.string().max(200).default('').describe('Where it was agreed'),
    signatories: z.array(Nation).max(100).default([]).describe('Signatory nations (ISO3)'),
    versions: z.array(DocumentVersion).min(1).max(20).describe('Its texts, oldest first: drafts, then the final'),
    illustrative: z.boolean().default(false).describe('True for illustrative content (the demo seed), not a record of fact'),
    source: z.string().max(1000).default('').describe('Where the text comes from'),
    releasability: Label,
  })
  .strict()
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.versions.forEach((v, i) => {
      if (seen.has(v.id)) ctx.addIssue({ code: 'custom', path: ['versions', i, 'id'], message: `duplicates version "${v.id}"` });
      seen.add(v.id);
    });
  })
  .describe('A declaration of intent, communique, statement or bilateral agreement, with its versions');
export type CommitmentDocument = z.output<typeof CommitmentDocumentInput> & { id: string };

export const Condition = z
  .object({
    kind: z.enum(CONDITION_KINDS).describe('after_ceasefire | new_attack | parliament_approval | other'),
    text: z.string().max(1000).default('').describe('The condition in the text\'s words, e.g. "in case of a new attack"'),
  })
  .strict();

export const Wording = z
  .object({
    versionId: z.string().min(1).max(64).describe("The document version this wording stands in"),
    text: z.string().min(1).max(4000).describe('The words, as in that version'),
  })
  .strict();

export const CommitmentInput = z
  .object({
    id: Id.optional(),
    documentId: Id.describe('The document it stands in'),
    nation: Nation.describe('Who committed (ISO3)'),
    what: z.string().min(1).max(1000).describe('What was committed, in one line'),
    conditions: z.array(Condition).max(20).default([]).describe('When it applies'),
    status: z.enum(COMMITMENT_STATUSES).describe('proposed | conditional | in_force | partly_delivered | delivered | lapsed'),
    pledgeIds: z.array(Id).max(100).default([]).describe('Pledges that deliver it'),
    triggerCriteriaIds: z.array(z.string().min(1).max(128)).max(20).default([]).describe('Guarantee trigger criteria (ids) whose alert would bring it into force'),
    wordings: z.array(Wording).min(1).max(20).describe('Its words in each version of the document it stands in'),
    illustrative: z.boolean().default(false).describe('True for illustrative content (the demo seed)'),
    releasability: Label,
  })
  .strict()
  .describe('One commitment: who, what, under which conditions, linked to pledges and guarantee triggers');
export type Commitment = z.output<typeof CommitmentInput> & { id: string };

/* ---------- Draft vs final ---------- */

/** `final`: the document has no drafts on record, so there is nothing to compare with. */
export const FATES = ['kept', 'reworded', 'dropped', 'added', 'final', 'draft_only'] as const;
export type Fate = (typeof FATES)[number];

export interface CommitmentFate {
  fate: Fate;
  /** The latest draft wording, if it stood in a draft. */
  draft: { versionId: string; text: string } | null;
  /** The wording in the final version, if any. */
  final: { versionId: string; text: string } | null;
}

const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * What became of a commitment between the drafts and the final text of its document. The latest
 * final version is the text that counts; the latest draft it stood in is what it is compared to.
 */
export function commitmentFate(doc: Pick<CommitmentDocument, 'versions'>, c: Pick<Commitment, 'wordings'>): CommitmentFate {
  const order = new Map(doc.versions.map((v, i) => [v.id, i]));
  const stage = new Map(doc.versions.map((v) => [v.id, v.stage]));
  const finalVersion = [...doc.versions].reverse().find((v) => v.stage === 'final');
  const drafts = c.wordings.filter((w) => stage.get(w.versionId) === 'draft').sort((a, b) => order.get(a.versionId)! - order.get(b.versionId)!);
  const lastDraft = drafts[drafts.length - 1];
  const draft = lastDraft ? { versionId: lastDraft.versionId, text: lastDraft.text } : null;
  if (!finalVersion) return { fate: 'draft_only', draft, final: null };
  const inFinal = c.wordings.find((w) => w.versionId === finalVersion.id);
  const final = inFinal ? { versionId: inFinal.versionId, text: inFinal.text } : null;
  if (!final) return { fate: draft ? 'dropped' : 'draft_only', draft, final: null };
  if (!draft) return { fate: doc.versions.some((v) => v.stage === 'draft') ? 'added' : 'final', draft: null, final };
  return { fate: normalise(draft.text) === normalise(final.text) ? 'kept' : 'reworded', draft, final };
}

/* ---------- What a nation committed, and what it delivered ---------- */

export interface CommitmentDelivery {
  commitmentId: string;
  /** Troops of the linked pledges that still count (all but withdrawn). */
  committedTroops: number;
  /** Troops of the linked pledges deployed. */
  deliveredTroops: number;
  /** Linked pledges by status. */
  pledges: { id: string; status: Pledge['status']; troops: number; capability: Pledge['capability'] }[];
  /** Linked pledge ids the reader may not see or that do not exist. */
  missingPledgeIds: string[];
}

export function commitmentDelivery(c: Pick<Commitment, 'id' | 'pledgeIds'>, pledgesById: ReadonlyMap<string, Pick<Pledge, 'id' | 'status' | 'troops' | 'capability'>>): CommitmentDelivery {
  const linked = c.pledgeIds.map((id) => pledgesById.get(id)).filter((p) => p !== undefined);
  return {
    commitmentId: c.id,
    committedTroops: linked.filter((p) => COUNTED_STATUSES.includes(p.status)).reduce((s, p) => s + p.troops, 0),
    deliveredTroops: linked.filter((p) => p.status === 'deployed').reduce((s, p) => s + p.troops, 0),
    pledges: linked.map((p) => ({ id: p.id, status: p.status, troops: p.troops, capability: p.capability })),
    missingPledgeIds: c.pledgeIds.filter((id) => !pledgesById.has(id)),
  };
}
