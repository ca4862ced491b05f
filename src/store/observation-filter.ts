import type { ObservationQuery } from './repository';
import { decodeCursor } from './cursor';
import { InvalidInputError } from '../domain/errors';

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/**
 * Builds the WHERE clauses of an observation query once for every SQL store; only the
 * placeholder syntax differs (`?` for SQLite, `$n` for PostgreSQL). `filter` counts the total,
 * `page` adds the keyset cursor.
 */
export function observationWhere(
  q: Omit<ObservationQuery, 'limit'>,
  placeholder: (index: number) => string,
): { filter: SqlFragment; page: SqlFragment } {
  const build = (withCursor: boolean): SqlFragment => {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return placeholder(params.length);
    };
    if (q.bbox) {
      const [minLon, minLat, maxLon, maxLat] = q.bbox;
      clauses.push(`lon >= ${p(minLon)} AND lon <= ${p(maxLon)} AND lat >= ${p(minLat)} AND lat <= ${p(maxLat)}`);
    }
    if (q.from !== undefined) clauses.push(`observed_at_ms >= ${p(q.from)}`);
    if (q.to !== undefined) clauses.push(`observed_at_ms < ${p(q.to)}`);
    if (q.kinds && q.kinds.length > 0) clauses.push(`kind IN (${q.kinds.map((k) => p(k)).join(', ')})`);
    if (q.sector !== undefined) clauses.push(`sector = ${p(q.sector)}`);
    if (withCursor && q.cursor !== undefined) {
      const k = decodeCursor(q.cursor);
      if (!k) throw new InvalidInputError('cursor', 'is not a cursor this server issued');
      clauses.push(`(observed_at_ms < ${p(k.t)} OR (observed_at_ms = ${p(k.t)} AND id < ${p(k.id)}))`);
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  };
  return { filter: build(false), page: build(true) };
}
