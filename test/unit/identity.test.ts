import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canSee, visibilityOf, PUBLIC_ACTOR, type Actor, type OrgKind } from '../../src/domain/identity';

const coalition = { members: ['FRA', 'GBR', 'UKR', 'USA', 'DEU'], guarantors: ['FRA', 'GBR'] };
const user = (orgKind: OrgKind, nation: string, admin = false): Actor => ({
  type: 'user',
  id: 'u',
  username: 'u',
  nation,
  org: orgKind,
  orgKind,
  roles: admin ? ['admin'] : ['analyst'],
});

describe('releasability (architecture.md)', () => {
  const cases: [string, Actor, Record<string, boolean>][] = [
    ['the public', PUBLIC_ACTOR, { PUBLIC: true, COALITION: false, MECHANISM: false, 'REL TO FRA, USA': false }],
    ['a French liaison officer', user('nation', 'FRA'), { PUBLIC: true, COALITION: true, MECHANISM: false, 'REL TO FRA, USA': true, 'REL TO GBR': false }],
    ['a Ukrainian officer (a party and a coalition nation)', user('party', 'UKR'), { COALITION: true, MECHANISM: false, 'REL TO UKR': true }],
    ['the other party', user('party', 'RUS'), { PUBLIC: true, COALITION: false, MECHANISM: false, 'REL TO UKR': false }],
    ['a monitor of the mechanism', user('mechanism', 'FIN'), { COALITION: true, MECHANISM: true, 'REL TO GBR': true }],
    ['a cell officer of a non-member nation', user('cell', 'CHE'), { COALITION: true, MECHANISM: false, 'REL TO CHE, FRA': true, 'REL TO FRA': false }],
    ['an admin', user('nation', 'GBR', true), { MECHANISM: true, 'REL TO USA': true }],
  ];
  it.each(cases)('%s sees exactly what is released to them', (_, actor, expected) => {
    const v = visibilityOf(actor, coalition);
    for (const [label, sees] of Object.entries(expected)) expect([label, canSee(v, label)]).toEqual([label, sees]);
  });

  it('never shows anything but PUBLIC to the public, whatever the label', () => {
    const v = visibilityOf(PUBLIC_ACTOR, coalition);
    fc.assert(fc.property(fc.string(), (label) => canSee(v, label) === (label === 'PUBLIC')));
  });

  it('does not match a nation code inside another (REL TO USAX is not USA)', () => {
    expect(canSee(visibilityOf(user('nation', 'USA'), coalition), 'REL TO FRA, USAX')).toBe(false);
  });
});
