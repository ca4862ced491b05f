import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import fastifyCookie from '@fastify/cookie';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config';
import { ObservationIngest } from '../services/observation-ingest';
import type { Store } from '../store/repository';
import { installProblemHandler } from './problem';
import { installRawBodyCapture } from './raw-body';
import { installInboxOutcomes } from './inbox-outcome-hook';
import { ingestRoutes } from './routes/ingest.routes';
import { observationRoutes } from './routes/observation.routes';
import { sectorRoutes } from './routes/sector.routes';
import { systemRoutes } from './routes/system.routes';
import { mapRoutes } from './routes/map.routes';
import { streamRoutes } from './routes/stream.routes';
import { agreementRoutes } from './routes/agreement.routes';
import { reportRoutes } from './routes/report.routes';
import { openDataRoutes } from './routes/open-data.routes';
import { taskRoutes } from './routes/task.routes';
import { landRoutes } from './routes/land.routes';
import { forceRoutes } from './routes/force.routes';
import { AgreementService } from '../services/agreement.service';
import { PROJECT_ROOT, VERSION } from '../project';
import { AuthService } from '../services/auth';
import { installAuth } from './auth';
import { LiveHub } from '../services/live-hub';
import { authRoutes } from './routes/auth.routes';
import { COALITION_PRESET } from '../domain/coalition';
import { SEE_ALL, type CoalitionConfig } from '../domain/identity';
import { GuaranteeService, type GuaranteeOptions } from '../services/guarantee.service';
import { alertRoutes } from './routes/alert.routes';
import { incidentRoutes } from './routes/incident.routes';
import { spotReportRoutes } from './routes/spot-report.routes';
import { IncidentService, loadFusionParams } from '../services/incident.service';
import { logRoutes } from './routes/log.routes';
import { TransparencyLog } from '../services/transparency-log';
import { FollowersThread } from '../services/followers-thread';
import { evidenceRoutes } from './routes/evidence.routes';

export interface AppDeps {
  store: Store;
  config: Pick<Config, 'maxBody' | 'web' | 'logLevel'> &
    Partial<Pick<Config, 'alertWebhook' | 'alertWebhookSecret' | 'triggerCriteria' | 'logKey' | 'logCheckpointS' | 'maxEvidence' | 'fusion' | 'fusionParams' | 'db' | 'coalition' | 'followers'>>;
  /** The agreement in force and the judge of observations (default: one on this store). */
  agreements?: AgreementService;
  /** Logins, sessions and tokens (default: one on this store). */
  auth?: AuthService;
  /** Coalition members and guarantors (default: the preset, see src/domain/coalition.ts). */
  coalition?: CoalitionConfig;
  /** Mark session cookies Secure (browsers then send them over HTTPS and to localhost only). */
  secureCookies?: boolean;
  /** Guarantee triggers' settings beyond the config (tests: a faster sweep, a quicker webhook backoff). */
  guarantee?: Partial<Omit<GuaranteeOptions, 'coalition'>>;
}

export async function buildApp({
  store,
  config,
  agreements = new AgreementService(store),
  auth = new AuthService(store.identity, store.audit),
  coalition = COALITION_PRESET,
  secureCookies = true,
  guarantee: guaranteeOptions = {},
}: AppDeps): Promise<FastifyInstance> {
  // Per-request lines only at debug/trace: at info they drown what an operator needs to see.
  const quietRequests = config.logLevel !== 'debug' && config.logLevel !== 'trace';
  // Live streams never end by themselves: on close, connections are cut rather than awaited.
  const app = Fastify({ forceCloseConnections: true, logger: { level: config.logLevel }, logController: new LogController({ disableRequestLogging: quietRequests }) }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandler(app);
  await app.register(fastifyCookie);
  // Who asks is settled first (onRequest), before the body is read or validated.
  installAuth(app, auth, coalition);
  installRawBodyCapture(app, store.inbox, config.maxBody);
  installInboxOutcomes(app, store);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Truceline API',
        version: VERSION,
        description: 'Ceasefire monitoring and coordination. Errors are RFC 9457 problem+json naming the offending field.',
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const ingest = new ObservationIngest(store, agreements);
  await app.register(authRoutes(auth, store.audit, secureCookies));
  await app.register(systemRoutes(store, VERSION));
  await app.register(observationRoutes(store, ingest));
  await app.register(sectorRoutes(store));
  await app.register(mapRoutes());
  // Tasks and alerts change state, so each change is read afresh; clients get them filtered by label.
  const hub = new LiveHub(store, { task: (id) => store.tasks.get(id, SEE_ALL), alert: (id) => store.alerts.get(id, SEE_ALL), evidence: (id) => store.evidence.attachment(id, SEE_ALL), incident: (id) => store.incidents.get(id, SEE_ALL), allegation: (id) => store.allegations.get(id, SEE_ALL) }, (err) => app.log.warn({ err }, 'live stream: a change could not be sent'));
  await app.register(streamRoutes(hub));
  await app.register(ingestRoutes(store, ingest));
  await app.register(agreementRoutes(agreements));
  await app.register(openDataRoutes(store));
  await app.register(taskRoutes(store, coalition));
  await app.register(landRoutes(store));
  await app.register(forceRoutes(store, agreements));
  // Guarantee triggers follow the change feed, whatever channel an observation came by.
  const guarantee = new GuaranteeService(store, agreements, {
    coalition,
    criteriaFile: config.triggerCriteria,
    webhook: { urls: config.alertWebhook ?? [], secret: config.alertWebhookSecret },
    log: (msg) => app.log.warn(msg),
    ...guaranteeOptions,
  });
  await guarantee.start();
  app.addHook('onClose', () => guarantee.stop());
  await app.register(alertRoutes(guarantee));
  // Fusion follows the change feed too; a verification that makes a violation is put to the triggers.
  // It and the log run in their own thread when the store can be opened again there (served
  // from a file or URL, not handed in by a test): the serving thread keeps the API and the ingest.
  const inThread = config.followers === 'worker' && config.db !== undefined && config.db !== ':memory:';
  const followers = inThread
    ? new FollowersThread(
        { db: config.db!, coalition: config.coalition, fusion: config.fusion ?? true, fusionParams: config.fusionParams, logKey: config.logKey, logCheckpointS: config.logCheckpointS ?? 3600 },
        (level, msg) => app.log[level]({ component: 'followers' }, msg),
      )
    : undefined;
  const incidents = new IncidentService(store, {
    coalition,
    onVerified: guarantee,
    follow: !inThread && (config.fusion ?? true),
    fusion: loadFusionParams(config.fusionParams),
    log: (msg) => app.log.warn(msg),
  });
  await incidents.start();
  app.addHook('onClose', () => incidents.stop());
  await app.register(incidentRoutes(incidents));
  await app.register(spotReportRoutes(incidents));
  // The transparency log follows the change feed too, from wherever it stopped (issue 7).
  const transparency = new TransparencyLog(store, { keyFile: config.logKey, checkpointEveryS: config.logCheckpointS, log: (msg) => app.log.warn(msg) });
  if (followers) {
    await followers.start();
    app.addHook('onClose', () => followers.stop());
    // Here the log only serves proofs and the checkpoints asked for (appending what is pending
    // first); the key is the one the thread loaded or made.
    await transparency.loadKey();
  } else {
    await transparency.start();
    app.addHook('onClose', () => transparency.stop());
  }
  await app.register(logRoutes(transparency));
  // An issued report cites the log checkpoint made for it.
  await app.register(reportRoutes(store, () => transparency.checkpoint()));
  await app.register(evidenceRoutes(store, { maxBytes: config.maxEvidence ?? 200 * 1024 * 1024 }));

  const webDist = join(PROJECT_ROOT, 'web', 'dist');
  if (config.web && existsSync(join(webDist, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: ['index.html'] });
    const indexHtml = readFileSync(join(webDist, 'index.html'));
    // Client-side routes fall back to the app shell; unknown API paths still answer problem+json.
    app.get('/*', { schema: { hide: true } }, async (req, reply) => {
      if (req.url.startsWith('/api/')) return reply.callNotFound();
      return reply.type('text/html').send(indexHtml);
    });
  }
  return app;
}
