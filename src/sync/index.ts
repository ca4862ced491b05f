import type { Config } from '../config';
import type { ObservationIngest } from '../services/observation-ingest';
import type { Store } from '../store/repository';
import { CellConsumer, type CellSyncStatus } from './cell-consumer';
import { defaultCursorPath } from './cursor';
import type { SyncLogger } from './nats-link';
import { SitePublisher, type SiteSyncStatus } from './site-publisher';

export type { SyncLogger } from './nats-link';
export type { CellSyncStatus } from './cell-consumer';
export type { SiteSyncStatus } from './site-publisher';
export type SyncStatus = SiteSyncStatus | CellSyncStatus;

/** Site sync running in this process: a site's publisher or the cell's consumer. */
export interface SiteSync {
  readonly role: 'site' | 'cell';
  /** A snapshot for health checks and operators; cheap, synchronous. */
  status(): SyncStatus;
  /** Stops cleanly (cursor saved, in-flight batch stored); call before closing the store. */
  close(): Promise<void>;
}

type SyncConfig = Pick<Config, 'db' | 'site' | 'nats' | 'consume' | 'syncCursor'>;

/** Checks the sync settings together; throws a configuration error naming the flags. */
export function checkSyncConfig(c: SyncConfig): 'site' | 'cell' | undefined {
  if (c.site && c.consume) throw new Error('configuration: --site (publish as a site) and --consume (the cell) exclude each other');
  if ((c.site || c.consume) && !c.nats) throw new Error('configuration: --site and --consume need --nats <url> (env TRUCELINE_NATS)');
  if (c.nats && !c.site && !c.consume) throw new Error('configuration: --nats needs --site <id> (publish as a site) or --consume (the cell)');
  if (c.syncCursor && !c.site) throw new Error('configuration: --sync-cursor applies to a site (--site <id>)');
  return c.site ? 'site' : c.consume ? 'cell' : undefined;
}

/**
 * Starts what the configuration asks for, or nothing (undefined) when NATS is not configured.
 * Returns without waiting for NATS: the link may be down at start-up. The cell stores what it
 * consumes through `deps.ingest` (pass the server's, with its judge) or a plain ObservationIngest.
 */
export async function startSync(config: SyncConfig, store: Store, log: SyncLogger, deps: { ingest?: ObservationIngest } = {}): Promise<SiteSync | undefined> {
  const role = checkSyncConfig(config);
  if (!role) return undefined;
  if (role === 'site') {
    const site = config.site!;
    const publisher = new SitePublisher(store, { site, nats: config.nats!, cursorFile: config.syncCursor ?? defaultCursorPath(config.db, site) }, log);
    await publisher.start();
    return { role, status: () => publisher.status(), close: () => publisher.close() };
  }
  const consumer = new CellConsumer(store, { nats: config.nats!, ingest: deps.ingest }, log);
  await consumer.start();
  return { role, status: () => consumer.status(), close: () => consumer.close() };
}
