import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitmentDelivery, commitmentFate, CommitmentInput, type CommitmentDocument } from '../../src/domain/commitments';
import {
  CAPABILITIES,
  checkDeployment,
  COUNTED_STATUSES,
  DEFAULT_FORCE_SETTINGS,
  forceGeneration,
  PLEDGE_STATUSES,
  PledgeInput,
  samplePlaces,
  type Capability,
  type PledgeStatus,
} from '../../src/domain/force';
import { demoForce } from '../../src/services/force-seed';

const capability = fc.constantFrom(...CAPABILITIES);
const status = fc.constantFrom(...PLEDGE_STATUSES);
const nation = fc.constantFrom('FRA', 'GBR', 'DEU', 'POL', 'TUR', 'USA');
const pledge = fc.record({ nation, capability, troops: fc.integer({ min: 0, max: 20_000 }), quantity: fc.integer({ min: 0, max: 50 }), status });
const requirement = fc.record({ capability, troops: fc.integer({ min: 0, max: 30_000 }), quantity: fc.integer({ min: 0, max: 50 }) });

describe('force generation arithmetic (property-based)', () => {
  it('totals by status equal the sums of the pledges of that status, whichever way they are grouped', () => {
    fc.assert(
      fc.property(fc.array(requirement, { maxLength: 20 }), fc.array(pledge, { maxLength: 80 }), (reqs, pledges) => {
        const g = forceGeneration(reqs, pledges);
        for (const s of PLEDGE_STATUSES) {
          const expected = pledges.filter((p) => p.status === s).reduce((a, p) => a + p.troops, 0);
          expect(g.total.troopsByStatus[s]).toBe(expected);
          expect(g.byCapability.reduce((a, r) => a + r.troopsByStatus[s], 0)).toBe(expected);
          expect(g.byNation.reduce((a, r) => a + r.troopsByStatus[s], 0)).toBe(expected);
          expect(g.total.quantityByStatus[s]).toBe(pledges.filter((p) => p.status === s).reduce((a, p) => a + p.quantity, 0));
        }
        expect(g.total.pledgedTroops).toBe(pledges.filter((p) => p.status !== 'withdrawn').reduce((a, p) => a + p.troops, 0));
        expect(g.total.deployedTroops).toBe(pledges.filter((p) => p.status === 'deployed').reduce((a, p) => a + p.troops, 0));
        expect(g.total.pledges).toBe(pledges.length);
        expect(g.total.requiredTroops).toBe(reqs.reduce((a, r) => a + r.troops, 0));
      }),
    );
  });

  it("a capability's gap is what its requirement lacks of the pledges that count; the total gap sums them (a surplus elsewhere fills none)", () => {
    fc.assert(
      fc.property(fc.array(requirement, { maxLength: 20 }), fc.array(pledge, { maxLength: 80 }), (reqs, pledges) => {
        const g = forceGeneration(reqs, pledges);
        for (const row of g.byCapability) {
          const c = row.key as Capability;
          const required = reqs.filter((r) => r.capability === c).reduce((a, r) => a + r.troops, 0);
          const counted = pledges.filter((p) => p.capability === c && COUNTED_STATUSES.includes(p.status)).reduce((a, p) => a + p.troops, 0);
          expect(row.troopGap).toBe(Math.max(0, required - counted));
          expect(row.deployedTroops).toBeLessThanOrEqual(row.pledgedTroops);
        }
        expect(g.total.troopGap).toBe(g.byCapability.reduce((a, r) => a + r.troopGap, 0));
        expect(g.total.troopGap).toBeGreaterThanOrEqual(Math.max(0, g.total.requiredTroops - g.total.pledgedTroops));
      }),
    );
  });

  it('lists every capability (an unpledged requirement is a gap) and nations by troops pledged', () => {
    const g = forceGeneration([{ capability: 'medical', troops: 600, quantity: 3 }], [
      { nation: 'FRA', capability: 'land_brigade', troops: 5000, quantity: 1, status: 'pledged' },
      { nation: 'ITA', capability: 'medical', troops: 200, quantity: 1, status: 'withdrawn' },
    ]);
    expect(g.byCapability.map((r) => r.key)).toEqual([...CAPABILITIES]);
    expect(g.byCapability.find((r) => r.key === 'medical')).toMatchObject({ troopGap: 600, quantityGap: 3, pledgedTroops: 0 });
    expect(g.byNation.map((r) => r.key)).toEqual(['FRA', 'ITA']);
  });
});

describe('dropped commitments: draft vs final', () => {
  const doc: Pick<CommitmentDocument, 'versions'> = {
    versions: [
      { id: 'draft-1', stage: 'draft', date: '2026-01-04', title: '' },
      { id: 'draft-2', stage: 'draft', date: '2026-01-05', title: '' },
      { id: 'final', stage: 'final', date: '2026-01-06', title: '' },
    ],
  };
  const w = (versionId: string, text: string) => ({ versionId, text });

  it('a commitment in a draft and missing from the final is dropped, with its latest draft wording', () => {
    const f = commitmentFate(doc, { wordings: [w('draft-2', 'will support the force in case of a new attack'), w('draft-1', 'will support the force')] });
    expect(f).toEqual({ fate: 'dropped', draft: w('draft-2', 'will support the force in case of a new attack'), final: null });
  });
  it('kept (same words, whatever the spacing and case), reworded, added, final (no drafts on record), and draft-only without a final', () => {
    expect(commitmentFate(doc, { wordings: [w('draft-1', 'Deploy  forces.'), w('final', 'deploy forces.')] }).fate).toBe('kept');
    const r = commitmentFate(doc, { wordings: [w('draft-1', 'lead the mechanism'), w('final', 'lead the mechanism with partners')] });
    expect(r).toEqual({ fate: 'reworded', draft: w('draft-1', 'lead the mechanism'), final: w('final', 'lead the mechanism with partners') });
    expect(commitmentFate(doc, { wordings: [w('final', 'new')] }).fate).toBe('added');
    expect(commitmentFate({ versions: [doc.versions[2]!] }, { wordings: [w('final', 'only text')] }).fate).toBe('final');
    expect(commitmentFate({ versions: [doc.versions[0]!] }, { wordings: [w('draft-1', 'x')] }).fate).toBe('draft_only');
  });
  it('the seeded Paris example: the U.S. support "in case of a new attack" is dropped, and marked illustrative', () => {
    const seed = demoForce(new Date('2026-11-25T00:00:00Z'));
    const c = seed.commitment.find((x) => x.id === 'demo-commitment-usa-support')!;
    const d = seed.document.find((x) => x.id === c.documentId)!;
    expect(commitmentFate(d, c).fate).toBe('dropped');
    expect(c.illustrative && d.illustrative).toBe(true);
    expect(c.conditions[0]!.kind).toBe('new_attack');
  });
  it('what a commitment delivered: troops of its linked pledges deployed, of those still counted; missing links named', () => {
    const pledges = new Map([
      ['p1', { id: 'p1', status: 'deployed' as PledgeStatus, troops: 200, capability: 'training' as Capability }],
      ['p2', { id: 'p2', status: 'pledged' as PledgeStatus, troops: 5000, capability: 'land_brigade' as Capability }],
      ['p3', { id: 'p3', status: 'withdrawn' as PledgeStatus, troops: 60, capability: 'engineering' as Capability }],
    ]);
    expect(commitmentDelivery({ id: 'c', pledgeIds: ['p1', 'p2', 'p3', 'gone'] }, pledges)).toMatchObject({ committedTroops: 5200, deliveredTroops: 200, missingPledgeIds: ['gone'] });
  });
  it('the schema wants at least one wording and defaults the label to COALITION', () => {
    const base = { documentId: 'd', nation: 'USA', what: 'x', status: 'proposed' };
    expect(CommitmentInput.safeParse({ ...base, wordings: [] }).success).toBe(false);
    expect(CommitmentInput.parse({ ...base, wordings: [w('draft', 'x')] }).releasability).toBe('COALITION');
    expect(PledgeInput.parse({ nation: 'FRA', capability: 'isr', troops: 1, quantity: 1, status: 'pledged' }).releasability).toBe('COALITION');
  });
});

describe('the deployment rule', () => {
  const settings = { minDistanceToLineM: 30_000, keepOutOfSecurityZone: true };
  it('flags a deployment closer than N km to the line, and one inside the security zone, saying why', () => {
    const near = checkDeployment([{ distanceToLineM: 16_600, zones: [] }], 'sz', settings, 1);
    expect(near).toMatchObject({ flagged: true, distanceToLineM: 16_600, inSecurityZone: false, agreementRevision: 1 });
    expect(near.reasons[0]).toContain('16.6 km from the contact line');
    const inZone = checkDeployment([{ distanceToLineM: 40_000, zones: ['sz'] }], 'sz', settings, 1);
    expect(inZone).toMatchObject({ flagged: true, inSecurityZone: true });
    expect(checkDeployment([{ distanceToLineM: 40_000, zones: ['sz'] }], 'sz', { ...settings, keepOutOfSecurityZone: false }, 1).flagged).toBe(false);
    expect(checkDeployment([{ distanceToLineM: 90_000, zones: [] }], 'sz', settings, 1).flagged).toBe(false);
  });
  it('an area is judged by its nearest place: one vertex too close flags the camp', () => {
    expect(checkDeployment([{ distanceToLineM: 50_000, zones: [] }, { distanceToLineM: 12_000, zones: [] }], null, DEFAULT_FORCE_SETTINGS, 1)).toMatchObject({ flagged: true, distanceToLineM: 12_000 });
    const places = samplePlaces({ type: 'Polygon', coordinates: [[[30, 50], [31, 50], [31, 51], [30, 50]]] });
    expect(places).toHaveLength(4);
    expect(places[3]!.lon).toBeCloseTo(30.6667, 3);
  });
  it('without an agreement in force nothing is flagged and the distance is unknown', () => {
    expect(checkDeployment([], null, settings, null)).toMatchObject({ flagged: false, distanceToLineM: null });
  });
});
