import type { Visibility } from '../domain/identity';
import type { LandOption } from '../domain/land-option';
import { visibilityClause } from './releasability-sql';

/*
 * Land options, append-only: every version is a row of its own. A version's label decides who
 * sees it; the list shows each option's latest version the caller may see. Every read takes the
 * caller's visibility and filters in SQL.
 */

export interface LandOptionRepository {
  /** Stores version 1 of a new option. ConflictError when the id exists. */
  create(option: LandOption): Promise<LandOption>;
  /**
   * Appends version `option.version`, if and only if the latest stored version is
   * `option.version - 1`; otherwise stores nothing and throws a ConflictError (NotFoundError
   * when the option does not exist).
   */
  append(option: LandOption): Promise<LandOption>;
  /** The latest version the caller may see, or a given version. */
  get(id: string, visibility: Visibility, version?: number): Promise<LandOption | undefined>;
  /** Every version the caller may see, oldest first. */
  versions(id: string, visibility: Visibility): Promise<LandOption[]>;
  /** Each option's latest visible version, newest first. */
  list(visibility: Visibility, limit: number): Promise<LandOption[]>;
}

export type LandOptionRow = { doc: string };

export const landOptionFromRow = (r: LandOptionRow): LandOption => JSON.parse(r.doc) as LandOption;

/** WHERE for the caller's visibility with engine-specific placeholders; `params` receives the values. */
export function landVisibility(visibility: Visibility, params: unknown[], placeholder: (index: number) => string): string | null {
  return visibilityClause(visibility, 'releasability', (v) => {
    params.push(v);
    return placeholder(params.length);
  });
}

/** Each option's latest version among visible rows (ordered by id, then version), newest first, at most `limit`. */
export function latestOfEach(rows: LandOptionRow[], limit: number): LandOption[] {
  const latest = new Map<string, LandOption>();
  for (const r of rows) {
    const o = landOptionFromRow(r);
    latest.set(o.id, o);
  }
  return [...latest.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).slice(0, limit);
}
