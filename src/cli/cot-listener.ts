import type { Config } from '../config';
import { startCot } from '../services/cot-ingest';
import type { ObservationIngest } from '../services/observation-ingest';
import type { Store } from '../store/repository';

interface Log {
  info(msg: string): void;
  warn(msg: string): void;
}

/**
 * `serve`'s CoT (TAK) listener on the plain streaming port; logs where it listens. TLS (8089,
 * client certificates) is not done yet. When the port was not asked for explicitly (flag or
 * environment) and the default port is taken (another Truceline on this host), the server runs
 * without CoT and says so; an explicit port that cannot be had is an error.
 */
export async function startCotListener(store: Store, ingest: ObservationIngest, config: Config, log: Log, explicitPort: boolean): Promise<{ port: number; close(): Promise<void> } | null> {
  try {
    const cot = await startCot(store, ingest, {
      port: config.cotPort,
      host: config.host,
      anonymous: config.cotAnonymous,
      idleTimeoutMs: config.cotIdleMs,
      frameTimeoutMs: config.cotFrameMs,
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    });
    const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
    log.info(`Truceline CoT (TAK) listening on tcp://${host}:${cot.port} (anonymous clients: ${config.cotAnonymous})`);
    return cot;
  } catch (err) {
    if (explicitPort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn(`CoT (TAK) port ${config.cotPort} is in use: serving without a CoT listener (set --cot-port or TRUCELINE_COT_PORT, or --no-cot)`);
    return null;
  }
}
