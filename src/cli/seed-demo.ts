import { seedDemo } from '../services/demo-seed';
import { withStore } from './context';

export async function seedDemoCommand(opts: { db?: string }): Promise<void> {
  await withStore(opts, async ({ store, ingest }) => {
    const { created, total } = await seedDemo(store, ingest);
    console.log(`demo week: ${created} new of ${total} observations in ${store.description}`);
  });
}
