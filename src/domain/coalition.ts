import type { CoalitionConfig } from './identity';

/**
 * The coalition's members as publicly reported around the Paris summit of 6 January 2026
 * ("35 countries plus NATO, EU and Ukraine"): a preset, editable at run time; public lists
 * varied, so treat it as configuration, not fact. Ukraine is a member and a party; the other
 * party is not a member.
 */
export const COALITION_PRESET: CoalitionConfig = {
  members: [
    'ALB', 'AUS', 'AUT', 'BEL', 'BGR', 'CAN', 'HRV', 'CYP', 'CZE', 'DNK', 'EST', 'FIN', 'FRA', 'DEU', 'GRC', 'ISL', 'IRL', 'ITA',
    'JPN', 'LVA', 'LTU', 'LUX', 'MKD', 'MDA', 'MNE', 'NLD', 'NZL', 'NOR', 'POL', 'PRT', 'ROU', 'SVK', 'SVN', 'ESP', 'SWE', 'TUR',
    'GBR', 'UKR', 'USA',
  ],
  // The France-UK-Ukraine declaration of intent names France and the UK to lead the force; both
  // are guarantors by default. Add others as the register of commitments says.
  guarantors: ['FRA', 'GBR'],
};

/** Parties to the ceasefire. */
export const PARTIES = ['UKR', 'RUS'] as const;
