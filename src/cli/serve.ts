import { loadConfig, maskSecrets } from '../config';
import { buildApp } from '../server/app';
import { ObservationIngest } from '../services/observation-ingest';
import { seedDemo } from '../services/demo-seed';
import { openStore } from '../store/open-store';

export async function serveCommand(opts: { db?: string; port?: string; host?: string; demo: boolean; web: boolean }): Promise<void> {
  const config = loadConfig({ db: opts.db, port: opts.port, host: opts.host, demo: opts.demo, web: opts.web });
  const store = await openStore(config.db);
  let seeded = 0;
  if (config.demo && (await store.observations.count()) === 0) seeded = (await seedDemo(store, new ObservationIngest(store))).created;
  const app = await buildApp({ store, config });
  app.log.info({ config: maskSecrets(config) }, 'configuration');
  if (seeded) app.log.info(`empty store: seeded the demo week (${seeded} observations)`);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: shutting down`);
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info(`Truceline serving ${address.replace('0.0.0.0', 'localhost')} on ${store.description}`);
}
