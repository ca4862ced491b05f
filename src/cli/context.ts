import { loadConfig, type Config } from '../config';
import { ObservationIngest } from '../services/observation-ingest';
import { AgreementService } from '../services/agreement.service';
import { openStore } from '../store/open-store';
import type { Store } from '../store/repository';

/** Opens the store named by --db / TRUCELINE_DB for one command and closes it afterwards. */
export async function withStore<T>(
  opts: { db?: string },
  fn: (ctx: { store: Store; ingest: ObservationIngest; config: Config; agreements: AgreementService }) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ db: opts.db });
  const store = await openStore(config.db);
  try {
    // Observations stored from the command line are judged like those from the API.
    const agreements = new AgreementService(store);
    return await fn({ store, ingest: new ObservationIngest(store, agreements), config, agreements });
  } finally {
    await store.close();
  }
}
