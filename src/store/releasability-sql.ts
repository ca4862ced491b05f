import type { Visibility } from '../domain/identity';

/**
 * The releasability predicate of a read (architecture.md: enforced inside the repository query,
 * so no route can forget it), the same SQL on both engines. `column` holds the record's label in
 * its canonical form ("REL TO FRA, GBR"); spaces are stripped before matching so a spelling
 * variant never widens or narrows what a nation sees. Answers null when everything is visible.
 */
export function visibilityClause(v: Visibility, column: string, p: (value: unknown) => string): string | null {
  if (v.all) return null;
  const parts = [`${column} IN (${v.labels.map((l) => p(l)).join(', ')})`];
  if (v.anyRelTo) parts.push(`${column} LIKE 'REL TO %'`);
  else {
    const named = (nation: string) => `(',' || substr(replace(${column}, ' ', ''), 6) || ',') LIKE ${p(`%,${nation},%`)}`;
    if (v.relToNation) parts.push(`(${column} LIKE 'REL TO %' AND ${named(v.relToNation)})`);
    if (v.relToAllOf?.length) parts.push(`(${column} LIKE 'REL TO %' AND ${v.relToAllOf.map(named).join(' AND ')})`);
  }
  return `(${parts.join(' OR ')})`;
}
