import { loadConfig, maskSecrets } from '../config';
import { AuthService } from '../services/auth';
import { loadCoalition } from '../services/coalition-file';
import { buildApp } from '../server/app';
import { ObservationIngest } from '../services/observation-ingest';
import { seedDemo, seedDemoUsers } from '../services/demo-seed';
import { AgreementService } from '../services/agreement.service';
import { openStore } from '../store/open-store';
import { checkSyncConfig, startSync } from '../sync';
import { startCotListener } from './cot-listener';

export async function serveCommand(opts: {
  db?: string;
  port?: string;
  host?: string;
  demo: boolean;
  web: boolean;
  site?: string;
  nats?: string;
  consume?: boolean;
  syncCursor?: string;
  cotPort?: string;
  cotTlsPort?: string;
  cot: boolean;
}): Promise<void> {
  const config = loadConfig({
    db: opts.db,
    port: opts.port,
    host: opts.host,
    demo: opts.demo,
    web: opts.web,
    site: opts.site,
    nats: opts.nats,
    consume: opts.consume,
    syncCursor: opts.syncCursor,
    cotPort: opts.cotPort,
    cotTlsPort: opts.cotTlsPort,
    cot: opts.cot,
  });
  checkSyncConfig(config);
  const store = await openStore(config.db);
  let seeded = 0;
  const agreements = new AgreementService(store);
  // A site never seeds the demo: it would publish it to the cell.
  if (config.demo && !config.site && (await store.observations.count()) === 0) {
    await agreements.seedDefault(); // the shipped agreement first, so that the demo week is judged
    seeded = (await seedDemo(store, new ObservationIngest(store, agreements))).created;
  }
  await agreements.warm();
  const coalition = loadCoalition(config.coalition);
  const auth = new AuthService(store.identity, store.audit);
  const app = await buildApp({ store, config, agreements, auth, coalition, secureCookies: config.cookieSecure });
  app.log.info({ config: maskSecrets(config) }, 'configuration');
  if (seeded) app.log.info(`empty store: seeded the demo week (${seeded} observations)`);
  const firstPassword = await auth.ensureFirstAdmin();
  const demoUsers = firstPassword && seeded ? await seedDemoUsers(auth) : [];
  // Printed once, to the operator's console only (never logged as a structured field).
  if (firstPassword)
    process.stdout.write(`\nFirst start: user "admin" created with the one-time password\n\n    ${firstPassword}\n\nLog in with it and choose your own; add users with \`truceline user add\`.\n\n`);
  if (demoUsers.length)
    process.stdout.write(
      `Demo users (demo data only; passwords shown once):\n${demoUsers.map((u) => `    ${u.username.padEnd(13)} ${u.password}   ${u.what}`).join('\n')}\n\n`,
    );
  // Site sync over NATS JetStream (src/sync): starts without waiting for the link; the cell
  // stores what it consumes through an ingest that judges like the HTTP route's.
  const sync = await startSync(config, store, app.log.child({ component: 'sync' }), { ingest: new ObservationIngest(store, agreements) });
  // TAK clients over CoT (TCP, plain): before the HTTP port, so "serving" means both are up.
  const cot = config.cot ? await startCotListener(store, new ObservationIngest(store, agreements), config, app.log.child({ component: 'cot' }), opts.cotPort !== undefined || !!process.env.TRUCELINE_COT_PORT || opts.cotTlsPort !== undefined || !!process.env.TRUCELINE_COT_TLS_PORT, coalition) : null;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: shutting down`);
    await cot?.close();
    await app.close();
    await sync?.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info(`Truceline serving ${address.replace('0.0.0.0', 'localhost')} on ${store.description}`);
}
