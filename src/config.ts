import { z } from 'zod';

/** Configuration, validated at start-up and printed with secrets masked (architecture.md #9). */
export const Config = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().default('0.0.0.0'),
  db: z.string().min(1).default('./data/truceline.db'),
  maxBody: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  demo: z.boolean().default(true),
  web: z.boolean().default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = z.output<typeof Config>;

/** Reads the environment; explicit options (CLI flags) win over it. */
export function loadConfig(overrides: Partial<Record<keyof Config, unknown>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const fromEnv = {
    port: env.PORT,
    host: env.HOST,
    db: env.TRUCELINE_DB,
    maxBody: env.TRUCELINE_MAX_BODY,
    logLevel: env.TRUCELINE_LOG_LEVEL,
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
  return { ...c, db: c.db.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@') };
}
