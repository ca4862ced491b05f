import type { Commitment, CommitmentDocument } from '../domain/commitments';
import type { Capability, Deployment, LeadNation, Pledge, PledgeStatus, Requirement, Unit } from '../domain/force';
import { COALITION_PRESET } from '../domain/coalition';
import type { ForceKind, ForceRecords } from '../store/force-repository';
import type { Store } from '../store/repository';

/*
 * An ILLUSTRATIVE coalition force for the demo: plausible requirements, pledges by the preset's
 * nations (France's "several thousand" troops among them), a few units and deployments (one
 * deliberately too close to the contact line, so the stand-off rule flags it), lead nations, and
 * a commitments register modelled on the Paris meeting of January 2026. None of it is a record of
 * fact: the numbers are invented, and every document and commitment is marked illustrative.
 */

const NOTE = 'Illustrative demo data, not a record of fact.';

const REQUIREMENTS: [Capability, number, number][] = [
  ['land_brigade', 3, 15_000],
  ['air_policing', 24, 1_200],
  ['maritime_demining', 8, 500],
  ['training', 20, 1_500],
  ['isr', 8, 400],
  ['logistics', 5, 1_500],
  ['medical', 3, 600],
  ['engineering', 6, 1_200],
  ['reconstruction', 8, 150],
];

/** [nation, capability, troops, quantity, status, readiness, caveats, note] */
type PledgeRow = [string, Capability, number, number, PledgeStatus, string | null, string[], string];
const PLEDGES: PledgeRow[] = [
  ['FRA', 'land_brigade', 5_000, 1, 'approved_by_parliament', '2026-03-01', ['No deployment east of the Dnipro'], '"Several thousand" troops, as announced in Paris (illustrative figure)'],
  ['FRA', 'air_policing', 250, 6, 'pledged', '2026-04-01', [], ''],
  ['FRA', 'training', 200, 3, 'deployed', '2026-02-01', [], ''],
  ['GBR', 'land_brigade', 4_500, 1, 'pledged', '2026-04-15', ['Subject to a vote in Parliament'], ''],
  ['GBR', 'air_policing', 300, 6, 'deployed', '2026-02-01', [], ''],
  ['GBR', 'training', 300, 4, 'deploying', '2026-03-01', [], ''],
  ['TUR', 'maritime_demining', 250, 3, 'deployed', '2026-02-15', ['Black Sea only'], ''],
  ['ROU', 'maritime_demining', 120, 2, 'deploying', '2026-03-01', ['Black Sea only'], ''],
  ['BGR', 'maritime_demining', 80, 1, 'pledged', '2026-05-01', ['Black Sea only'], ''],
  ['DEU', 'logistics', 700, 2, 'pledged', '2026-05-01', ['Stationed in Poland and Romania'], ''],
  ['DEU', 'reconstruction', 80, 3, 'approved_by_parliament', '2026-04-01', [], ''],
  ['POL', 'logistics', 600, 2, 'deployed', '2026-02-01', ['Logistics hub on Polish territory only'], ''],
  ['NLD', 'isr', 120, 2, 'pledged', '2026-04-01', [], ''],
  ['USA', 'isr', 150, 4, 'approved_by_parliament', '2026-03-01', ['No U.S. troops on the ground'], 'Intelligence and surveillance support (illustrative)'],
  ['CAN', 'training', 150, 2, 'deployed', '2026-02-01', [], ''],
  ['AUS', 'isr', 60, 1, 'pledged', null, [], ''],
  ['BEL', 'air_policing', 90, 4, 'pledged', '2026-06-01', [], ''],
  ['DNK', 'air_policing', 80, 2, 'approved_by_parliament', '2026-04-01', [], ''],
  ['NOR', 'air_policing', 70, 2, 'pledged', '2026-05-01', [], ''],
  ['SWE', 'isr', 80, 1, 'pledged', '2026-05-01', [], ''],
  ['FIN', 'engineering', 250, 1, 'approved_by_parliament', '2026-04-01', [], ''],
  ['EST', 'engineering', 120, 1, 'deployed', '2026-02-15', [], ''],
  ['LVA', 'engineering', 100, 1, 'pledged', '2026-05-01', [], ''],
  ['LTU', 'engineering', 120, 1, 'pledged', '2026-05-01', [], ''],
  ['ITA', 'medical', 200, 1, 'pledged', '2026-05-01', ['No combat role'], ''],
  ['ESP', 'logistics', 250, 1, 'pledged', '2026-06-01', [], ''],
  ['PRT', 'training', 60, 1, 'pledged', '2026-06-01', [], ''],
  ['CZE', 'training', 90, 2, 'approved_by_parliament', '2026-04-01', [], ''],
  ['SVK', 'engineering', 60, 1, 'withdrawn', null, [], 'Withdrawn after a change of government (illustrative)'],
  ['SVN', 'medical', 40, 0, 'pledged', '2026-06-01', [], ''],
  ['HRV', 'training', 40, 1, 'pledged', '2026-06-01', [], ''],
  ['GRC', 'maritime_demining', 90, 1, 'pledged', '2026-06-01', [], ''],
  ['IRL', 'medical', 30, 0, 'pledged', '2026-06-01', ['Non-combat roles only'], ''],
  ['AUT', 'reconstruction', 40, 2, 'pledged', '2026-06-01', ['Civil reconstruction only'], ''],
  ['LUX', 'logistics', 20, 0, 'pledged', '2026-06-01', [], ''],
  ['JPN', 'reconstruction', 30, 2, 'pledged', '2026-06-01', ['No military personnel'], ''],
  ['NZL', 'training', 30, 1, 'pledged', '2026-06-01', [], ''],
  ['ISL', 'reconstruction', 5, 1, 'pledged', null, ['Civilian experts only'], ''],
  ['ALB', 'engineering', 40, 0, 'pledged', '2026-06-01', [], ''],
  ['MKD', 'medical', 20, 0, 'pledged', '2026-06-01', [], ''],
  ['MNE', 'training', 15, 0, 'pledged', '2026-06-01', [], ''],
  ['MDA', 'reconstruction', 10, 1, 'pledged', null, [], ''],
  ['CYP', 'medical', 15, 0, 'pledged', '2026-06-01', [], ''],
];

const pledgeId = (nation: string, capability: Capability) => `demo-pledge-${nation.toLowerCase()}-${capability.replace(/_/g, '-')}`;

/** [id, name, nation, capability, type, size, echelon, home base, SIDC (2525C letter code), pledge, TAK uid] */
type UnitRow = [string, string, string, Capability, string, number, Unit['echelon'], string, string, string | null, string | null];
const UNITS: UnitRow[] = [
  ['demo-unit-fra-bde', 'Brigade multinationale Dnipro (FRA-led)', 'FRA', 'land_brigade', 'Mechanised infantry brigade', 5_000, 'brigade', 'Nîmes, FRA', 'SFGPUCII---H---', pledgeId('FRA', 'land_brigade'), null],
  ['demo-unit-gbr-bg', 'UK armoured battlegroup', 'GBR', 'land_brigade', 'Armoured battlegroup', 1_200, 'battalion', 'Tidworth, GBR', 'SFGPUCA----F---', pledgeId('GBR', 'land_brigade'), null],
  ['demo-unit-fra-trg', 'Détachement d\'instruction Lviv', 'FRA', 'training', 'Training team', 200, 'company', 'Mourmelon, FRA', 'SFGPUCI----E---', pledgeId('FRA', 'training'), null],
  ['demo-unit-est-eng', 'Estonian engineer company', 'EST', 'engineering', 'Combat engineers', 120, 'company', 'Tapa, EST', 'SFGPUCE----E---', pledgeId('EST', 'engineering'), 'ANDROID-EST-ENG-1'],
  ['demo-unit-tur-mcm', 'Black Sea mine countermeasures group', 'TUR', 'maritime_demining', 'Mine countermeasures vessels', 250, 'battalion', 'Gölcük, TUR', 'SFSPCMM----F---', pledgeId('TUR', 'maritime_demining'), null],
  ['demo-unit-pol-log', 'Logistics hub Rzeszów', 'POL', 'logistics', 'Supply', 600, 'battalion', 'Rzeszów, POL', 'SFGPUSS----F---', pledgeId('POL', 'logistics'), null],
];

/** [id, unit, place, [lon, lat]] — the Estonian engineers are placed close to the line on purpose. */
const DEPLOYMENTS: [string, string, string, [number, number]][] = [
  ['demo-dep-fra-bde', 'demo-unit-fra-bde', 'Dnipro (west bank)', [34.98, 48.45]],
  ['demo-dep-gbr-bg', 'demo-unit-gbr-bg', 'Kyiv region', [30.45, 50.35]],
  ['demo-dep-fra-trg', 'demo-unit-fra-trg', 'Yavoriv, Lviv region', [23.55, 49.95]],
  ['demo-dep-est-eng', 'demo-unit-est-eng', 'South of Zaporizhzhia (too close to the line: flagged)', [35.62, 47.62]],
  ['demo-dep-tur-mcm', 'demo-unit-tur-mcm', 'Odesa approaches', [30.82, 46.42]],
  ['demo-dep-pol-log', 'demo-unit-pol-log', 'Rzeszów, POL', [22.0, 50.04]],
];

const LEADS: [LeadNation['domain'], string, string, [string, LeadNation['domain'] | null][]][] = [
  ['security', 'FRA', 'Co-lead of the multinational force HQ', [['GBR', 'security'], ['UKR', null], ['USA', null]]],
  ['security', 'GBR', 'Co-lead of the multinational force HQ', [['FRA', 'security'], ['UKR', null]]],
  ['reconstruction', 'DEU', 'Reconstruction and recovery cell', [['POL', null], ['JPN', 'reconstruction'], ['UKR', null]]],
  ['air', 'GBR', 'Air policing over western Ukraine', [['FRA', 'air'], ['BEL', 'air'], ['DNK', 'air'], ['NOR', 'air']]],
  ['maritime', 'TUR', 'Black Sea mine countermeasures', [['ROU', 'maritime'], ['BGR', 'maritime'], ['UKR', null]]],
  ['training', 'GBR', 'Training of Ukraine\'s armed forces', [['CAN', 'training'], ['FRA', 'training'], ['CZE', 'training']]],
  ['demining', 'TUR', 'Maritime demining (land demining: open)', [['ROU', 'demining'], ['BGR', 'demining']]],
];

const PARIS_DECLARATION: CommitmentDocument = {
  id: 'demo-doc-paris-declaration',
  kind: 'declaration_of_intent',
  title: 'Declaration of intent on a multinational force for Ukraine (illustrative)',
  place: 'Paris',
  signatories: ['FRA', 'GBR', 'UKR'],
  versions: [{ id: 'final', stage: 'final', date: '2026-01-06', title: 'Declaration of intent' }],
  illustrative: true,
  source: `${NOTE} Modelled on public reporting of the Paris meeting of 6 January 2026.`,
  releasability: 'COALITION',
};

const PARIS_STATEMENT: CommitmentDocument = {
  id: 'demo-doc-paris-communique',
  kind: 'communique',
  title: 'Paris leaders\' statement of the coalition (illustrative)',
  place: 'Paris',
  signatories: COALITION_PRESET.members.filter((n) => n !== 'UKR'),
  versions: [
    { id: 'draft', stage: 'draft', date: '2026-01-05', title: 'Draft statement' },
    { id: 'final', stage: 'final', date: '2026-01-06', title: 'Final communique' },
  ],
  illustrative: true,
  source: `${NOTE} Press reports said a U.S. promise to support the force in case of a new attack stood in the draft and not in the final communique; the wordings here are paraphrases.`,
  releasability: 'COALITION',
};

const COMMITMENTS: Commitment[] = [
  {
    id: 'demo-commitment-fra-force',
    documentId: PARIS_DECLARATION.id,
    nation: 'FRA',
    what: 'Deploy forces to Ukraine after a ceasefire: several thousand troops',
    conditions: [{ kind: 'after_ceasefire', text: 'once a ceasefire is in force' }],
    status: 'partly_delivered',
    pledgeIds: [pledgeId('FRA', 'land_brigade'), pledgeId('FRA', 'air_policing'), pledgeId('FRA', 'training')],
    triggerCriteriaIds: [],
    wordings: [{ versionId: 'final', text: 'France will deploy forces on the territory of Ukraine once a ceasefire is in force, to deter renewed aggression.' }],
    illustrative: true,
    releasability: 'COALITION',
  },
  {
    id: 'demo-commitment-gbr-force',
    documentId: PARIS_DECLARATION.id,
    nation: 'GBR',
    what: 'Establish military hubs in Ukraine after a ceasefire',
    conditions: [{ kind: 'after_ceasefire', text: 'following a ceasefire' }, { kind: 'parliament_approval', text: 'subject to Parliament' }],
    status: 'partly_delivered',
    pledgeIds: [pledgeId('GBR', 'land_brigade'), pledgeId('GBR', 'air_policing'), pledgeId('GBR', 'training')],
    triggerCriteriaIds: [],
    wordings: [{ versionId: 'final', text: 'The United Kingdom will establish military hubs across Ukraine following a ceasefire.' }],
    illustrative: true,
    releasability: 'COALITION',
  },
  {
    id: 'demo-commitment-usa-support',
    documentId: PARIS_STATEMENT.id,
    nation: 'USA',
    what: 'Support the multinational force in case of a new attack',
    conditions: [{ kind: 'new_attack', text: 'in case of a new attack' }],
    status: 'proposed',
    pledgeIds: [],
    triggerCriteriaIds: ['fire-beyond-security-zone', 'attack-cluster', 'protected-site-impact'],
    wordings: [{ versionId: 'draft', text: 'The United States will support the force in case of a new attack.' }],
    illustrative: true,
    releasability: 'COALITION',
  },
  {
    id: 'demo-commitment-usa-monitoring',
    documentId: PARIS_STATEMENT.id,
    nation: 'USA',
    what: 'Lead the monitoring of the ceasefire',
    conditions: [{ kind: 'after_ceasefire', text: 'once a ceasefire is agreed' }],
    status: 'in_force',
    pledgeIds: [pledgeId('USA', 'isr')],
    triggerCriteriaIds: [],
    wordings: [
      { versionId: 'draft', text: 'The United States will lead a ceasefire monitoring and verification mechanism.' },
      { versionId: 'final', text: 'The United States will lead a ceasefire monitoring and verification mechanism, with contributions from coalition members.' },
    ],
    illustrative: true,
    releasability: 'COALITION',
  },
  {
    id: 'demo-commitment-coalition-guarantees',
    documentId: PARIS_STATEMENT.id,
    nation: 'DEU',
    what: 'Contribute to long-term support of Ukraine\'s armed forces and its reconstruction',
    conditions: [{ kind: 'after_ceasefire', text: 'after a ceasefire' }],
    status: 'conditional',
    pledgeIds: [pledgeId('DEU', 'logistics'), pledgeId('DEU', 'reconstruction')],
    triggerCriteriaIds: [],
    wordings: [
      { versionId: 'draft', text: 'Germany will contribute to the long-term support of Ukraine\'s armed forces.' },
      { versionId: 'final', text: 'Germany will contribute to the long-term support of Ukraine\'s armed forces.' },
    ],
    illustrative: true,
    releasability: 'COALITION',
  },
  {
    id: 'demo-commitment-tur-maritime',
    documentId: PARIS_STATEMENT.id,
    nation: 'TUR',
    what: 'Lead maritime demining in the Black Sea',
    conditions: [{ kind: 'after_ceasefire', text: 'after a ceasefire' }],
    status: 'delivered',
    pledgeIds: [pledgeId('TUR', 'maritime_demining')],
    triggerCriteriaIds: [],
    wordings: [{ versionId: 'final', text: 'Türkiye, Romania and Bulgaria will clear mines in the Black Sea.' }],
    illustrative: true,
    releasability: 'COALITION',
  },
];

/** Every seeded record, by kind, in an order that satisfies references. */
export function demoForce(now = new Date()): { [K in ForceKind]: ForceRecords[K][] } {
  const from = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  const requirement: Requirement[] = REQUIREMENTS.map(([capability, quantity, troops]) => ({
    id: `demo-req-${capability.replace(/_/g, '-')}`,
    capability,
    quantity,
    troops,
    note: NOTE,
    releasability: 'COALITION',
  }));
  const pledge: Pledge[] = PLEDGES.map(([nation, capability, troops, quantity, status, readinessDate, caveats, note]) => ({
    id: pledgeId(nation, capability),
    nation,
    capability,
    troops,
    quantity,
    readinessDate,
    caveats,
    status,
    note: note ? `${note}. ${NOTE}` : NOTE,
    releasability: 'COALITION',
  }));
  const unit: Unit[] = UNITS.map(([id, name, nation, capability, type, size, echelon, homeBase, sidc, pledge, takUid]) => ({
    id,
    name,
    nation,
    capability,
    type,
    size,
    echelon,
    homeBase,
    sidc,
    takUid,
    takCallsign: null,
    pledgeId: pledge,
    releasability: 'COALITION',
  }));
  const deployment: Deployment[] = DEPLOYMENTS.map(([id, unitId, place, coordinates]) => ({
    id,
    unitId,
    place,
    location: { type: 'Point', coordinates },
    from,
    to: null,
    releasability: 'COALITION',
  }));
  const lead_nation: LeadNation[] = LEADS.map(([domain, nation, note, links]) => ({
    id: `demo-lead-${domain}-${nation.toLowerCase()}`,
    domain,
    nation,
    from: '2026-01-06',
    to: null,
    coordinatesWith: links.map(([n, d]) => ({ nation: n, domain: d, note: '' })),
    note: `${note}. ${NOTE}`,
    releasability: 'COALITION',
  }));
  return { requirement, pledge, unit, deployment, lead_nation, document: [PARIS_DECLARATION, PARIS_STATEMENT], commitment: COMMITMENTS };
}

/**
 * Seeds the illustrative force into a store that has none (no requirement, pledge or unit yet), so
 * that a user's own register is never mixed with the demo's. Answers how many records it stored.
 */
export async function seedForce(store: Store, now = new Date()): Promise<number> {
  const all = { all: true } as const;
  const [r, p, u] = await Promise.all([store.force.list('requirement', { visibility: all }), store.force.list('pledge', { visibility: all }), store.force.list('unit', { visibility: all })]);
  if (r.length || p.length || u.length) return 0;
  const seed = demoForce(now);
  const at = now.toISOString();
  let n = 0;
  for (const kind of Object.keys(seed) as ForceKind[]) {
    for (const record of seed[kind]) {
      await store.force.put(kind, record, { at, by: 'system' });
      n++;
    }
  }
  return n;
}
