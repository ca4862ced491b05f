import { z } from 'zod';

/** Configuration, validated at start-up and printed with secrets masked (architecture.md #9). */
export const Config = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().default('0.0.0.0'),
  db: z.string().min(1).default('./data/truceline.db'),
  maxBody: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** Largest evidence upload (photo, video, document), bytes: streamed to disk, so far above maxBody. */
  maxEvidence: z.coerce.number().int().positive().default(200 * 1024 * 1024),
  demo: z.boolean().default(true),
  web: z.boolean().default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Site sync (src/sync): this instance's site id, used in NATS subjects. */
  site: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-" (a NATS subject token)').optional(),
  /** NATS server URL(s), comma-separated, e.g. nats://127.0.0.1:4222. */
  nats: z.string().min(1).optional(),
  /** Consume every site's stream into this store (the cell). */
  consume: z.boolean().default(false),
  /** A site's publish cursor file; default `<db>.sync-cursor.json` for a SQLite file. */
  syncCursor: z.string().min(1).optional(),
  /** CoT (TAK) plain streaming port over TCP; `--no-cot` turns the listener off. */
  cotPort: z.coerce.number().int().min(0).max(65535).default(8087),
  cot: z.boolean().default(true),
  /** CoT (TAK) TLS port; listened on only when the certificate, key and CA below are all set. */
  cotTlsPort: z.coerce.number().int().min(0).max(65535).default(8089),
  /** PEM files: the TLS listener's certificate and key, and the CA that signs client certificates (CN = a Truceline username). */
  cotTlsCert: z.string().min(1).optional(),
  cotTlsKey: z.string().min(1).optional(),
  cotTlsCa: z.string().min(1).optional(),
  /** `accept`: anonymous CoT clients' events are taken as unverified observations; `refuse`: they are turned away. */
  cotAnonymous: z.enum(['accept', 'refuse']).default('accept'),
  /** A CoT client that sends nothing this long is dropped. */
  cotIdleMs: z.coerce.number().int().positive().default(600_000),
  /** Slow-loris guard: one CoT event must arrive within this long of its first byte. */
  cotFrameMs: z.coerce.number().int().positive().default(60_000),
  /** Session cookies marked Secure (sent over HTTPS, and to localhost). `false` only for plain-HTTP trials on a LAN. */
  cookieSecure: z.boolean().default(true),
  /** A JSON file `{ "members": [ISO3...], "guarantors": [ISO3...] }` replacing the coalition preset (src/domain/coalition.ts). */
  coalition: z.string().min(1).optional(),
  /** Guarantee alerts are POSTed to these URL(s), comma-separated (none: no webhook). */
  alertWebhook: z
    .string()
    .transform((s) => s.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be http(s) URLs, comma-separated' })))
    .default([]),
  /** With it, each webhook request carries an HMAC-SHA256 signature of its body (x-truceline-signature). */
  alertWebhookSecret: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The trigger criteria file in force until criteria are stored (default: the shipped src/guarantee/default-criteria.json). */
  triggerCriteria: z.string().min(1).optional(),
  /** Group new observations into incidents as they are stored (issue 7); off for benchmarks of the ingest alone. */
  fusion: z.boolean().default(true),
  /** A JSON file of fusion windows (src/domain/fusion.ts FusionParams); absent: the defaults. */
  fusionParams: z.string().min(1).optional(),
  /** The transparency log's Ed25519 signing key: a PKCS#8 PEM file (made there if missing). Absent: a key generated and kept in the store. */
  logKey: z.string().min(1).optional(),
  /** A log checkpoint (signed tree head) at most this often, whenever the log has grown. */
  logCheckpointS: z.coerce.number().int().positive().default(3600),
  /**
   * Where fusion and the transparency log run: `worker` (a thread with its own connection to the
   * store, on another core than the API and the ingest) or `inline` (in the serving thread).
   */
  followers: z.enum(['worker', 'inline']).default('worker'),
});
export type Config = z.output<typeof Config>;

/** Reads the environment; explicit options (CLI flags) win over it. */
export function loadConfig(overrides: Partial<Record<keyof Config, unknown>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const fromEnv = {
    port: env.PORT,
    host: env.HOST,
    db: env.TRUCELINE_DB,
    maxBody: env.TRUCELINE_MAX_BODY,
    maxEvidence: env.TRUCELINE_MAX_EVIDENCE,
    logLevel: env.TRUCELINE_LOG_LEVEL,
    site: env.TRUCELINE_SITE,
    nats: env.TRUCELINE_NATS,
    consume: env.TRUCELINE_NATS_CONSUME ? /^(1|true|yes|on)$/i.test(env.TRUCELINE_NATS_CONSUME) : undefined,
    syncCursor: env.TRUCELINE_SYNC_CURSOR,
    cotPort: env.TRUCELINE_COT_PORT,
    cotTlsPort: env.TRUCELINE_COT_TLS_PORT,
    cotTlsCert: env.TRUCELINE_COT_TLS_CERT,
    cotTlsKey: env.TRUCELINE_COT_TLS_KEY,
    cotTlsCa: env.TRUCELINE_COT_TLS_CA,
    cotAnonymous: env.TRUCELINE_COT_ANONYMOUS,
    cotIdleMs: env.TRUCELINE_COT_IDLE_MS,
    cotFrameMs: env.TRUCELINE_COT_FRAME_MS,
    cookieSecure: env.TRUCELINE_COOKIE_SECURE ? !/^(0|false|no|off)$/i.test(env.TRUCELINE_COOKIE_SECURE) : undefined,
    coalition: env.TRUCELINE_COALITION,
    alertWebhook: env.TRUCELINE_ALERT_WEBHOOK,
    alertWebhookSecret: env.TRUCELINE_ALERT_WEBHOOK_SECRET,
    triggerCriteria: env.TRUCELINE_TRIGGER_CRITERIA,
    fusion: env.TRUCELINE_FUSION ? !/^(0|false|no|off)$/i.test(env.TRUCELINE_FUSION) : undefined,
    fusionParams: env.TRUCELINE_FUSION_PARAMS,
    logKey: env.TRUCELINE_LOG_KEY,
    logCheckpointS: env.TRUCELINE_LOG_CHECKPOINT_S,
    followers: env.TRUCELINE_FOLLOWERS,
  };
  const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined && v !== '');
  const merged = Object.fromEntries([...defined(fromEnv), ...defined(overrides)]);
  const parsed = Config.safeParse(merged);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`configuration: ${i.path.join('.')} ${i.message}`);
  }
  return parsed.data;
}

/** Masks a password in a database URL before it is printed. */
export function maskSecrets(c: Config): Record<string, unknown> {
  return {
    ...c,
    db: c.db.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'),
    nats: c.nats?.replace(/\/\/([^/@]+)@/g, '//***@'),
    // A receiver URL may carry credentials (user:password@ or a token in the query).
    alertWebhook: c.alertWebhook.map((u) => u.replace(/\/\/([^/@]+)@/, '//***@').replace(/\?.*$/, '?***')),
    alertWebhookSecret: c.alertWebhookSecret ? '***' : undefined,
  };
}
