/**
 * The followers thread (config `followers: worker`): fusion and the transparency log, on their
 * own connection to the store, so that grouping reports into incidents and appending every
 * change to the log run on another core than the API and the ingest. They follow the store's
 * change feed as they do in the serving thread (SQLite: the feed polls the file for commits of
 * other connections; PostgreSQL: LISTEN/NOTIFY) and keep their positions in the store, so a
 * restart of the thread or the server resumes where they stopped. Started by FollowersThread
 * (src/services/followers-thread.ts) through bin/followers-worker.js, which loads TypeScript.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/open-store';
import { loadCoalition } from './coalition-file';
import { IncidentService, loadFusionParams } from './incident.service';
import { TransparencyLog } from './transparency-log';
import type { Store } from '../store/repository';
import type { FollowersCommand, FollowersMessage, FollowersSettings } from './followers-thread';

const settings = workerData as FollowersSettings;
const port = parentPort!;
const say = (m: FollowersMessage) => port.postMessage(m);
const warn = (msg: string) => say({ type: 'log', level: 'warn', msg });

let store: Store | undefined;
try {
  store = await openStore(settings.db);
  const opened = store;
  const incidents = new IncidentService(opened, { coalition: loadCoalition(settings.coalition), follow: settings.fusion, fusion: loadFusionParams(settings.fusionParams), log: warn });
  const log = new TransparencyLog(opened, { keyFile: settings.logKey, checkpointEveryS: settings.logCheckpointS, log: warn });
  await incidents.start();
  await log.start();
  // The one command: stop.
  port.once('message', (_m: FollowersCommand) => {
    void (async () => {
      await incidents.stop();
      await log.stop();
      await opened.close();
      say({ type: 'stopped' });
      port.close();
    })();
  });
  say({ type: 'ready' });
} catch (err) {
  say({ type: 'failed', msg: (err as Error).stack ?? String(err) });
  // A PostgreSQL pool left open would keep the thread alive: close, so that it exits and is restarted.
  await store?.close().catch(() => undefined);
  port.close();
}
