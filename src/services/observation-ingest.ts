import * as crypto from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { canonicalContent, ObservationInput, type Observation } from '../domain/observation';
import { canonicalReleasability } from '../domain/releasability';
import { fieldErrors } from '../domain/errors';
import { SectorIndex } from '../domain/sector';
import type { InboxChannel, InsertOutcome, Store, StoredObservation } from '../store/repository';
import type { ObservationJudge } from './agreement.service';

export type ItemStatus = InsertOutcome | 'invalid';

export interface ItemResult {
  index: number;
  id: string | null;
  status: ItemStatus;
  /** HTTP status this item would get on its own: 201 created, 200 duplicate, 409 conflict, 400 invalid. */
  httpStatus: 201 | 200 | 409 | 400;
  errors?: { field: string; message: string }[];
}

export interface IngestContext {
  channel: InboxChannel;
  rawId: string | null;
  /** Per item raw inbox ids, when the items come from different raw inputs (CoT frames, CSV rows); `rawId` otherwise. */
  rawIds?: readonly (string | null)[];
  /** Prefix for error paths, e.g. ["observations"] for a batch body. */
  pathPrefix?: (string | number)[];
}

/** One-shot sha256 (crypto.hash, Node >= 20.12: no Hash object per call), the same digest as createHash. */
const sha256Base64url: (data: string) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'base64url') : (data) => crypto.createHash('sha256').update(data).digest('base64url');

const HTTP_STATUS: Record<ItemStatus, ItemResult['httpStatus']> = { created: 201, duplicate: 200, conflict: 409, invalid: 400 };

/**
 * `sector` and `receivedAt` are the server's to derive; an exported record carries them, and
 * dropping them lets an export be imported elsewhere (a site's data merged at the cell).
 */
function withoutDerivedFields(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !('sector' in raw || 'receivedAt' in raw)) return raw;
  const { sector: _s, receivedAt: _r, ...rest } = raw as Record<string, unknown>;
  return rest;
}

/**
 * Validates, enriches (sector) and stores observations from any channel. Invalid items are
 * quarantined with their reason; valid ones are stored idempotently by id.
 */
export class ObservationIngest {
  private sectorIndex: SectorIndex | undefined;

  constructor(
    private readonly store: Store,
    /** Judges what was stored against the agreement in force (AgreementService); none: no judgements. */
    private readonly judge?: ObservationJudge,
  ) {}

  /** Sectors change rarely; call after editing them. */
  invalidateSectors(): void {
    this.sectorIndex = undefined;
  }

  private async sectors(): Promise<SectorIndex> {
    this.sectorIndex ??= new SectorIndex(await this.store.sectors.list());
    return this.sectorIndex;
  }

  async submit(items: readonly unknown[], ctx: IngestContext): Promise<ItemResult[]> {
    const sectors = await this.sectors();
    const receivedAt = new Date().toISOString();
    const results: ItemResult[] = new Array(items.length);
    const valid: { index: number; stored: StoredObservation }[] = [];
    const quarantines: Promise<void>[] = [];
    const quarantineItem = (raw: unknown, reason: string, field: string | null, index: number): void => {
      const excerpt = JSON.stringify(raw) ?? String(raw);
      quarantines.push(
        this.store.inbox.quarantine({
          id: uuidv7(),
          rawId: ctx.rawIds?.[index] ?? ctx.rawId,
          channel: ctx.channel,
          receivedAt,
          reason,
          field,
          size: Buffer.byteLength(excerpt),
          excerpt: excerpt.slice(0, 1024),
        }),
      );
    };

    items.forEach((raw, index) => {
      const parsed = ObservationInput.safeParse(withoutDerivedFields(raw));
      if (!parsed.success) {
        const prefix = [...(ctx.pathPrefix ?? []), ...(ctx.pathPrefix ? [index] : [])];
        const rawIdValue = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
        const errors = fieldErrors(parsed.error.issues, prefix);
        results[index] = { index, id: rawIdValue, status: 'invalid', httpStatus: 400, errors };
        quarantineItem(raw, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors[0]?.field ?? null, index);
        return;
      }
      const data = { ...parsed.data, releasability: canonicalReleasability(parsed.data.releasability) };
      const observation: Observation = {
        ...data,
        sector: sectors.sectorOf(data.location.lon, data.location.lat),
        receivedAt,
      };
      const contentHash = sha256Base64url(canonicalContent(data));
      // The same id twice in one batch behaves as two posts in a row (the store decides in order).
      valid.push({ index, stored: { observation, contentHash, rawId: ctx.rawIds?.[index] ?? ctx.rawId } });
    });

    const outcomes = valid.length ? await this.store.observations.insertMany(valid.map((v) => v.stored)) : [];
    outcomes.forEach((status, i) => {
      const { index, stored } = valid[i]!;
      results[index] = { index, id: stored.observation.id, status, httpStatus: HTTP_STATUS[status] };
      if (status !== 'conflict') return;
      const field = [...(ctx.pathPrefix ?? []), ...(ctx.pathPrefix ? [index] : []), 'id'].join('.');
      const message = 'is already stored with different content; nothing was overwritten';
      results[index]!.errors = [{ field, message }];
      // Kept findable: a reused id is usually a client bug someone must look at.
      quarantineItem(items[index], `${field} ${message}`, field, index);
    });
    await Promise.all(quarantines);
    if (this.judge && outcomes.length) {
      const of = (status: InsertOutcome) => valid.filter((_, i) => outcomes[i] === status).map((v) => v.stored.observation);
      await this.judge.judgeStored(of('created'), of('duplicate'));
    }
    return results;
  }
}
