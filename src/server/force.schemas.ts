import { z } from 'zod';
import { CommitmentDocumentInput, CommitmentInput, FATES } from '../domain/commitments';
import { CAPABILITIES, DeploymentInput, ForceSettings, LeadNationInput, PLEDGE_STATUSES, PledgeInput, RequirementInput, UnitInput } from '../domain/force';
import { Nation } from '../domain/identity';
import { FORCE_KINDS, type ForceKind } from '../store/force-repository';

/** Wire shapes of the force and commitments API. Inputs are the domain's schemas; answers add what the store keeps. */

const Meta = {
  id: z.string().describe('Id'),
  version: z.number().int().describe('1 when created, one more per write; send it back as ifVersion to write only on what you saw'),
  updatedAt: z.string().describe('Last written (ISO 8601, UTC)'),
  updatedBy: z.string().describe('Who wrote it last: `user:<name>` or `token:<name>`'),
};

export const DeploymentCheckSchema = z
  .object({
    flagged: z.boolean().describe('True when the deployment breaks the stand-off rule'),
    distanceToLineM: z.number().nullable().describe('Shortest geodesic distance to the contact line, metres (null: no agreement in force)'),
    inSecurityZone: z.boolean().describe("Inside the agreement's security zone"),
    minDistanceToLineM: z.number().describe('The stand-off distance in force (force settings), metres'),
    reasons: z.array(z.string()).describe('Why it is flagged'),
    agreementRevision: z.number().int().nullable().describe('The agreement revision judged against'),
  })
  .describe('The stand-off rule applied to a deployment');

const Wording = z.object({ versionId: z.string(), text: z.string() }).nullable();

export const FORCE_RECORD_SCHEMAS = {
  requirement: RequirementInput.safeExtend(Meta).describe('A requirement of the force'),
  pledge: PledgeInput.safeExtend(Meta).describe("A nation's pledge"),
  unit: UnitInput.safeExtend(Meta).describe('A unit'),
  deployment: DeploymentInput.safeExtend({
    ...Meta,
    check: DeploymentCheckSchema.optional(),
    current: z.boolean().optional().describe('Deployed now (from ≤ now < to)'),
  }).describe('A deployment, with the stand-off rule checked'),
  lead_nation: LeadNationInput.safeExtend(Meta).describe('A lead nation'),
  document: CommitmentDocumentInput.safeExtend(Meta).describe('A document of the commitments register'),
  commitment: CommitmentInput.safeExtend({
    ...Meta,
    fate: z.enum(FATES).optional().describe('kept | reworded | dropped (in a draft, not in the final) | added (in the final, in no draft) | final (the document has no drafts) | draft_only'),
    draft: Wording.optional().describe('Its wording in the latest draft it stood in'),
    final: Wording.optional().describe('Its wording in the final text'),
    documentTitle: z.string().nullable().optional(),
    delivery: z
      .object({
        commitmentId: z.string(),
        committedTroops: z.number().describe('Troops of the linked pledges that still count'),
        deliveredTroops: z.number().describe('Troops of the linked pledges deployed'),
        pledges: z.array(z.object({ id: z.string(), status: z.enum(PLEDGE_STATUSES), troops: z.number(), capability: z.enum(CAPABILITIES) })),
        missingPledgeIds: z.array(z.string()).describe('Linked pledges not released to you or not stored'),
      })
      .optional(),
  }).describe('A commitment, with its fate between draft and final and what it delivered'),
} as const satisfies Record<ForceKind, z.ZodType>;

/** URL segment of each kind. */
export const FORCE_PATHS: Record<ForceKind, string> = {
  requirement: 'requirements',
  pledge: 'pledges',
  unit: 'units',
  deployment: 'deployments',
  lead_nation: 'lead-nations',
  document: 'documents',
  commitment: 'commitments',
};

export const ForceParams = z.object({ id: z.string().min(1).max(128).describe('Record id') });
export const NationParams = z.object({ nation: Nation.describe('ISO 3166-1 alpha-3') });
export const ForceListQuery = z.object({ nation: Nation.optional().describe("Only this nation's records (pledges, units, lead nations, commitments)") });
export const IfVersionQuery = z.object({
  ifVersion: z.coerce.number().int().min(0).optional().describe('Write only if the record is at this version (0: only if it does not exist)'),
});

const StatusTotals = z.object(Object.fromEntries(PLEDGE_STATUSES.map((s) => [s, z.number()])) as Record<(typeof PLEDGE_STATUSES)[number], z.ZodNumber>);
export const GenerationRowSchema = z.object({
  key: z.string().describe('Capability, nation, or "total"'),
  requiredQuantity: z.number(),
  requiredTroops: z.number(),
  troopsByStatus: StatusTotals.describe('Troops by pledge status'),
  quantityByStatus: StatusTotals.describe('Quantity by pledge status'),
  pledgedTroops: z.number().describe('All pledges but withdrawn'),
  pledgedQuantity: z.number(),
  deployedTroops: z.number(),
  deployedQuantity: z.number(),
  troopGap: z.number().describe('Required minus pledged troops, when positive (capabilities; the total sums them)'),
  quantityGap: z.number(),
  pledges: z.number().int(),
});
export const ForceGenerationSchema = z
  .object({
    byCapability: z.array(GenerationRowSchema),
    byNation: z.array(GenerationRowSchema),
    total: GenerationRowSchema,
    capabilities: z.array(z.object({ id: z.enum(CAPABILITIES), label: z.string(), unit: z.string() })),
  })
  .describe('Required vs pledged vs deployed, by capability and by nation');

export const NationRecordSchema = z.object({
  nation: z.string(),
  committedTroops: z.number().describe("Troops of pledges linked to the nation's commitments"),
  deliveredTroops: z.number().describe('Of those, deployed'),
  pledgedTroops: z.number(),
  deployedTroops: z.number(),
  commitments: z.array(FORCE_RECORD_SCHEMAS.commitment),
  pledges: z.array(FORCE_RECORD_SCHEMAS.pledge),
  units: z.array(FORCE_RECORD_SCHEMAS.unit),
});

export const UnitFeatureCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        geometry: z.object({ type: z.literal('Point'), coordinates: z.array(z.number()) }),
        properties: z.object({
          unitId: z.string(),
          name: z.string(),
          nation: z.string(),
          sidc: z.string().describe('MIL-STD-2525 / APP-6 symbol code'),
          echelon: z.string().describe('team ... corps'),
          size: z.number(),
          capability: z.string(),
          source: z.enum(['tak', 'deployment']).describe("tak: the unit's live position report; deployment: its current deployment"),
          place: z.string(),
          deploymentId: z.string().nullable(),
          flagged: z.boolean(),
          reasons: z.array(z.string()),
          distanceToLineM: z.number().nullable(),
          at: z.string(),
        }),
      }),
    ),
  })
  .describe('Units where they are now (GeoJSON points)');

export const ExportQuery = z.object({
  format: z.enum(['json', 'csv']).default('json').describe('json: one object per kind; csv: one row per record with an `entity` column (the kind of record), nested values as JSON'),
  kind: z.enum(FORCE_KINDS).optional().describe('Only this kind'),
});

const Counts = z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() });
export const ImportSummarySchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int().describe('Records equal to what was stored (left alone)'),
  byKind: z.object(Object.fromEntries(FORCE_KINDS.map((k) => [k, Counts])) as Record<ForceKind, typeof Counts>),
});

export { ForceSettings };
