import { seedDemo } from '../services/demo-seed';
import { withStore } from './context';

export async function seedDemoCommand(opts: { db?: string }): Promise<void> {
  await withStore(opts, async ({ store, ingest, agreements }) => {
    // The shipped agreement first (when the store has none), so that the week is judged.
    const agreement = await agreements.seedDefault('cli');
    if (agreement) console.log(`agreement: stored the default "${agreement.agreementId}" as revision ${agreement.revision}`);
    const { created, total } = await seedDemo(store, ingest);
    console.log(`demo week: ${created} new of ${total} observations in ${store.description}`);
  });
}
