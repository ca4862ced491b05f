import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/**
 * A site's publish cursor: the highest change seq whose observation JetStream has acknowledged
 * (every change at or below it is in the stream). Kept in a small JSON file beside the SQLite
 * database and replaced atomically (write a temporary file, fsync, rename, fsync the directory),
 * so a crash leaves the old or the new cursor, never a torn one.
 *
 * `firstId` is the id of the store's first change when the cursor was written: if the database is
 * replaced (restored from a backup, re-created) under an old cursor file, the ids differ and the
 * publisher starts over from the beginning instead of silently skipping the new store's changes.
 */
export interface PublishCursor {
  version: 1;
  site: string;
  seq: number;
  firstId: string | null;
  updatedAt: string;
}

/** The default cursor path: `<db>.sync-cursor.json` beside a SQLite file; PostgreSQL needs one named. */
export function defaultCursorPath(db: string, site: string): string {
  if (/^postgres(ql)?:\/\//.test(db)) return join('data', `truceline-${site}.sync-cursor.json`);
  return `${db}.sync-cursor.json`;
}

export async function readCursor(path: string): Promise<PublishCursor | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const c = JSON.parse(text) as Partial<PublishCursor>;
  if (c.version !== 1 || typeof c.seq !== 'number' || !Number.isInteger(c.seq) || c.seq < 0 || typeof c.site !== 'string') {
    throw new Error(`sync cursor ${path} is not a cursor file (version 1 with a seq); move it away to republish everything`);
  }
  return { version: 1, site: c.site, seq: c.seq, firstId: typeof c.firstId === 'string' ? c.firstId : null, updatedAt: String(c.updatedAt ?? '') };
}

export async function writeCursor(path: string, cursor: PublishCursor): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(`${JSON.stringify(cursor, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename itself is durable once the directory is synced (not possible everywhere: best effort).
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // e.g. platforms that cannot fsync a directory
  }
}
