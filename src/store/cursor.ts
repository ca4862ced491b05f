/** Keyset cursor over (observedAt, id), newest first. Opaque to clients: base64url JSON. */
export interface Keyset {
  t: number;
  id: string;
}

export function encodeCursor(k: Keyset): string {
  return Buffer.from(JSON.stringify([k.t, k.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Keyset | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && typeof v[1] === 'string') return { t: v[0], id: v[1] };
  } catch {
    // fall through: an unreadable cursor is the caller's error
  }
  return undefined;
}
