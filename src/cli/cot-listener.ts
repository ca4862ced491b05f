import type { CoalitionConfig } from '../domain/identity';
import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import { startCot } from '../services/cot-ingest';
import type { ObservationIngest } from '../services/observation-ingest';
import type { Store } from '../store/repository';

interface Log {
  info(msg: string): void;
  warn(msg: string): void;
}

/**
 * `serve`'s CoT (TAK) listeners: the plain streaming port (8087, anonymous clients) and, when
 * `TRUCELINE_COT_TLS_CERT`, `_KEY` and `_CA` are all set, the TLS port (8089, a client certificate
 * whose CN is a Truceline username); logs where they listen, or why TLS is off. When no port was
 * asked for explicitly (flag or environment) and a default port is taken (another Truceline on
 * this host), the server runs without CoT and says so; an explicit port that cannot be had is an error.
 */
export async function startCotListener(store: Store, ingest: ObservationIngest, config: Config, log: Log, explicitPort: boolean, coalition?: CoalitionConfig): Promise<{ port: number; close(): Promise<void> } | null> {
  const files = { TRUCELINE_COT_TLS_CERT: config.cotTlsCert, TRUCELINE_COT_TLS_KEY: config.cotTlsKey, TRUCELINE_COT_TLS_CA: config.cotTlsCa };
  const missing = Object.entries(files).filter(([, v]) => !v).map(([k]) => k);
  const tls =
    missing.length === 0
      ? { port: config.cotTlsPort, cert: readFileSync(config.cotTlsCert!), key: readFileSync(config.cotTlsKey!), ca: readFileSync(config.cotTlsCa!) }
      : undefined;
  try {
    const cot = await startCot(store, ingest, {
      port: config.cotPort,
      host: config.host,
      anonymous: config.cotAnonymous,
      idleTimeoutMs: config.cotIdleMs,
      frameTimeoutMs: config.cotFrameMs,
      tls,
      coalition,
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    });
    const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
    log.info(`Truceline CoT (TAK) listening on tcp://${host}:${cot.port} (anonymous clients: ${config.cotAnonymous})`);
    if (cot.tls) log.info(`Truceline CoT (TAK) over TLS listening on ssl://${host}:${cot.tls.port} (client certificates: CN = a Truceline username)`);
    else if (missing.length === 3) log.info('CoT (TAK) over TLS not started: set TRUCELINE_COT_TLS_CERT, TRUCELINE_COT_TLS_KEY and TRUCELINE_COT_TLS_CA (PEM files)');
    else log.warn(`CoT (TAK) over TLS not started: ${missing.join(' and ')} not set`);
    return cot;
  } catch (err) {
    if (explicitPort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn(`CoT (TAK) port ${config.cotPort}${tls ? ` or ${config.cotTlsPort}` : ''} is in use: serving without a CoT listener (set --cot-port / --cot-tls-port or TRUCELINE_COT_PORT / TRUCELINE_COT_TLS_PORT, or --no-cot)`);
    return null;
  }
}
