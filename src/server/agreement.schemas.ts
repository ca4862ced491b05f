import { z } from 'zod';
import { AgreementInput, ProvisionsPatch } from '../domain/agreement';
import { BREACH_KINDS } from '../domain/rules';
import { WEAPON_CLASSES } from '../domain/weapons';

/** Wire shapes of the agreement API and of the judgement an observation carries. */

export const BreachSchema = z
  .object({
    provision: z.string().describe('Id (code) of the provision breached'),
    kind: z.enum(BREACH_KINDS).describe('withdrawal | weapon_outside_storage | fire_in_security_zone | impact_at_protected_site | flight_in_no_fly_area'),
    distanceM: z.number().optional().describe('Geodesic distance from the line (withdrawal, security zone) or from the site centre, metres'),
    requiredM: z.number().optional().describe('Withdrawal distance required of this side for this weapon class, metres'),
    halfWidthM: z.number().optional().describe('Width of the security zone on this side, metres'),
    radiusM: z.number().optional().describe('Radius of the protected site, metres'),
    weaponClass: z.enum(WEAPON_CLASSES).optional().describe('Weapon class of the sighting'),
    count: z.number().int().optional().describe('Number of weapons seen'),
    side: z.string().optional().describe('Party on whose side of the line the observation lies'),
    line: z.string().optional().describe('Reference line the distance is measured from'),
  })
  .describe('One provision an observation breaches, with the numbers');

export const WeaponClassificationSchema = z
  .object({
    weaponClass: z.enum(WEAPON_CLASSES).nullable().describe('The class, or null when the weapon cannot be classified (recorded, never a breach)'),
    model: z.string().optional().describe('The catalogue model matched'),
    caliberMm: z.number().optional(),
    basis: z.enum(['model', 'class', 'caliber', 'unclassified']).describe('How the class was found'),
  })
  .describe("The weapon's classification");

export const JudgementSchema = z
  .object({
    agreementId: z.string(),
    version: z.number().int().describe('Version of the agreement in force when the observation was made'),
    revision: z.number().int().describe('Stored revision of the agreement the judgement was made with'),
    judgedAt: z.string().describe('When it was judged (ISO 8601)'),
    side: z.string().nullable().describe('Party on whose side of the contact line the observation lies'),
    distanceToLineM: z.number().describe('Geodesic distance to the contact line, metres'),
    zones: z.array(z.string()).describe('Ids of the zones it falls in (security zone, withdrawal buffers of its side, sites, areas)'),
    breaches: z.array(BreachSchema),
    weapon: WeaponClassificationSchema.optional(),
  })
  .describe('What the rules engine found: the latest judgement of the observation');

export const RevisionSchema = z.object({
  revision: z.number().int().describe('Stored revision (1, 2, …); the latest is in force'),
  agreementId: z.string(),
  storedAt: z.string(),
  by: z.string().describe('Who stored it'),
  reason: z.string().describe('import | amendment | default'),
});

export const VersionSummary = z.object({
  version: z.number().int(),
  effectiveFrom: z.string(),
  effectiveUntil: z.string().nullable(),
  note: z.string().nullable(),
});

export const CurrentAgreement = RevisionSchema.extend({
  versions: z.array(VersionSummary).describe('The versions, resolved, in order'),
  versionInForceNow: z.number().int().nullable().describe('The version in force now, or null (not in force, or before its first version)'),
  agreement: z.looseObject({}).describe('The whole agreement document (see the AgreementInput schema and src/agreement/README.md)'),
});

/** The import body: documented by the agreement schema; validated by parseAgreement (every problem named). */
export const ImportBody = AgreementInput;

export const AmendmentBody = z
  .object({
    effectiveFrom: z.iso.datetime({ offset: true }).describe('From this instant on, observations are judged by the amended version'),
    note: z.string().max(2000).optional().describe('What the amendment changes'),
    provisions: ProvisionsPatch.describe('Only the provisions the amendment replaces'),
    ifRevision: z.number().int().positive().optional().describe('Refuse (409) unless this revision is still in force'),
  })
  .strict();

export const LayersQuery = z.object({
  at: z.iso.datetime({ offset: true }).optional().describe('Instant whose version in force is drawn (default now)'),
});

const Feature = z.looseObject({
  type: z.literal('Feature'),
  geometry: z.looseObject({ type: z.string() }),
  properties: z
    .looseObject({
      layer: z.enum(['line', 'area', 'security_zone_edge', 'withdrawal_line', 'protected_site', 'no_fly_area', 'storage_site']),
    })
    .describe('layer, id or provision, side, distanceM, weaponClass, name … per layer (see src/domain/agreement-layers.ts)'),
});

export const LayersResponse = z
  .object({
    type: z.literal('FeatureCollection'),
    agreementId: z.string(),
    revision: z.number().int(),
    version: z.number().int(),
    effectiveFrom: z.string(),
    effectiveUntil: z.string().nullable(),
    features: z.array(Feature),
  })
  .describe('The map layers of the version in force at `at` (GeoJSON FeatureCollection; each feature has properties.layer)');

export const ReevaluateBody = z.preprocess(
  (v) => v ?? {}, // no body: every observation
  z
    .object({
      from: z.iso.datetime({ offset: true }).optional().describe('Earliest observedAt (inclusive); default: the beginning'),
      to: z.iso.datetime({ offset: true }).optional().describe('Latest observedAt (exclusive); default: no end'),
    })
    .strict()
    .describe('The time range to re-judge; no body: every observation'),
);

export const ReevaluateResponse = z.object({
  agreementId: z.string(),
  revision: z.number().int(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  observations: z.number().int().describe('Observations re-judged (each got a new judgement; the raw observations are unchanged)'),
  inForce: z.number().int().describe('Of those, observed while a version of the agreement was in force'),
  breaching: z.number().int().describe('Observations whose new judgement finds a breach'),
  breachesByKind: z.record(z.enum(BREACH_KINDS), z.number().int()),
  changed: z.number().int().describe('Observations whose judgement changed'),
  ms: z.number().int(),
});
