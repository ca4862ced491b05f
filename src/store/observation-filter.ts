import type { Observation } from '../domain/observation';
import type { ObservationQuery, Page } from './repository';
import { decodeCursor, encodeCursor } from './cursor';
import { InvalidInputError } from '../domain/errors';
import { visibilityClause } from './releasability-sql';

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
  opts: {
    /**
     * An extra, index-friendly clause for the bbox that may match more than the box but never
     * less (e.g. PostGIS `point && envelope`, whose boxes are rounded outwards to float4). The
     * exact lon/lat comparison is always applied as well, so results do not depend on it.
     */
    bboxPrefilter?: (bbox: [number, number, number, number], p: (v: unknown) => string) => string;
  } = {},
): { filter: SqlFragment; page: SqlFragment } {
  const build = (withCursor: boolean): SqlFragment => {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return placeholder(params.length);
    };
    const released = visibilityClause(q.visibility, 'releasability', p);
    if (released) clauses.push(released);
    if (q.bbox) {
      const [minLon, minLat, maxLon, maxLat] = q.bbox;
      if (opts.bboxPrefilter) clauses.push(opts.bboxPrefilter(q.bbox, p));
      clauses.push(`lon >= ${p(minLon)} AND lon <= ${p(maxLon)} AND lat >= ${p(minLat)} AND lat <= ${p(maxLat)}`);
    }
    if (q.from !== undefined) clauses.push(`observed_at_ms >= ${p(q.from)}`);
    if (q.to !== undefined) clauses.push(`observed_at_ms < ${p(q.to)}`);
    if (q.kinds && q.kinds.length > 0) clauses.push(`kind IN (${q.kinds.map((k) => p(k)).join(', ')})`);
    if (q.sourceKinds && q.sourceKinds.length > 0) clauses.push(`source_kind IN (${q.sourceKinds.map((k) => p(k)).join(', ')})`);
    if (q.sector !== undefined) clauses.push(`sector = ${p(q.sector)}`);
    // The latest judgement, through its projection (judgement_latest, judgement_marks): one
    // primary-key probe per candidate row, the same SQL on both engines.
    if (q.breach !== undefined) {
      clauses.push(`${q.breach ? '' : 'NOT '}EXISTS (SELECT 1 FROM judgement_latest jl WHERE jl.observation_id = observations.id AND jl.breach)`);
    }
    if (q.provision !== undefined) {
      clauses.push(`EXISTS (SELECT 1 FROM judgement_marks jm WHERE jm.observation_id = observations.id AND jm.role = 'breach' AND jm.provision = ${p(q.provision)})`);
    }
    if (q.zone !== undefined) {
      clauses.push(`EXISTS (SELECT 1 FROM judgement_marks jz WHERE jz.observation_id = observations.id AND jz.role = 'zone' AND jz.provision = ${p(q.zone)})`);
    }
    if (withCursor && q.cursor !== undefined) {
      const k = decodeCursor(q.cursor);
      if (!k) throw new InvalidInputError('cursor', 'is not a cursor this server issued');
      // (t, id) < (k.t, k.id), spelt so that both engines use the time index for the bound.
      clauses.push(`observed_at_ms <= ${p(k.t)} AND (observed_at_ms < ${p(k.t)} OR id < ${p(k.id)})`);
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  };
  return { filter: build(false), page: build(true) };
}

/** One record by id, if released to the reader. */
export const byIdWhere = (id: string, visibility: ObservationQuery['visibility'], placeholder: (index: number) => string): SqlFragment => byIdsWhere([id], visibility, placeholder);

/** Several records by id (at most a few hundred: one parameter each), those released to the reader. */
export function byIdsWhere(ids: readonly string[], visibility: ObservationQuery['visibility'], placeholder: (index: number) => string): SqlFragment {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return placeholder(params.length);
  };
  const list = ids.map((id) => p(id)).join(', ');
  const released = visibilityClause(visibility, 'releasability', p);
  return { sql: `WHERE id IN (${list})${released ? ` AND ${released}` : ''}`, params };
}

/** The documents of one page (plus one, to know whether there is more), newest first. */
export const pageSelect = (where: string, limitPlaceholder: string): string =>
  `SELECT doc FROM observations ${where} ORDER BY observed_at_ms DESC, id DESC LIMIT ${limitPlaceholder}`;

/**
 * Whether a page's rows already tell the total: a first page (no cursor) that holds everything
 * the filter matches. Then counting again would only repeat the same filter (most map windows
 * fit in one page, and the count was a third of their time). Exact, not an estimate.
 */
export const totalFromPage = (q: Pick<ObservationQuery, 'cursor' | 'limit'>, rows: number): boolean => q.cursor === undefined && rows <= q.limit;

/**
 * The page from up to limit + 1 documents (the extra one only says there is more). The cursor's
 * key comes from the last document: both stores write observed_at_ms as Date.parse(observedAt)
 * of the very document they store, and id is its id. (Selecting the two columns as well cost
 * 20% of a map query in SQLite.)
 */
export function pageOf(docs: Observation[], limit: number, total: number): Page<Observation> {
  const more = docs.length > limit;
  const items = more ? docs.slice(0, limit) : docs;
  const last = items[items.length - 1];
  return { items, total, nextCursor: more && last ? encodeCursor({ t: Date.parse(last.observedAt), id: last.id }) : null };
}
