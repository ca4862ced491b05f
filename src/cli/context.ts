import { loadConfig, type Config } from '../config';
import { ObservationIngest } from '../services/observation-ingest';
import { openStore } from '../store/open-store';
import type { Store } from '../store/repository';

/** Opens the store named by --db / TRUCELINE_DB for one command and closes it afterwards. */
export async function withStore<T>(opts: { db?: string }, fn: (ctx: { store: Store; ingest: ObservationIngest; config: Config }) => Promise<T>): Promise<T> {
  const config = loadConfig({ db: opts.db });
  const store = await openStore(config.db);
  try {
    return await fn({ store, ingest: new ObservationIngest(store), config });
  } finally {
    await store.close();
  }
}
