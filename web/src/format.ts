const p2 = (n: number) => String(n).padStart(2, '0');

/** "2026-11-25 14:05 UTC": monitors report in UTC; the local time is shown beside it. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())} UTC`;
}

export function formatLocal(iso: string): string {
  const d = new Date(iso);
  const offset = -d.getTimezoneOffset();
  const zone = `UTC${offset >= 0 ? '+' : '−'}${p2(Math.floor(Math.abs(offset) / 60))}:${p2(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())} local (${zone})`;
}

export function formatClock(d: Date): string {
  return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())} UTC`;
}

export function formatLatLon(lat: number, lon: number): string {
  return `${Math.abs(lat).toFixed(5)}° ${lat >= 0 ? 'N' : 'S'}, ${Math.abs(lon).toFixed(5)}° ${lon >= 0 ? 'E' : 'W'}`;
}

export const formatCount = (n: number) => n.toLocaleString('en-GB');
