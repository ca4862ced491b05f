export type Preset = '24h' | '3d' | '7d' | 'all' | 'custom';

export const PRESETS: { id: Preset; label: string; hours?: number }[] = [
  { id: '24h', label: '24 h', hours: 24 },
  { id: '3d', label: '3 days', hours: 72 },
  { id: '7d', label: '7 days', hours: 168 },
  { id: 'all', label: 'All' },
  { id: 'custom', label: 'Custom' },
];

/** The time filter. `from`/`to` are datetime-local values (local time), used by "custom" only. */
export interface TimeFilter {
  preset: Preset;
  from: string;
  to: string;
}

export interface TimeWindow {
  from?: Date;
  to?: Date;
}

/** The window a filter means now; relative presets move with the clock. */
export function windowOf(t: TimeFilter, now = new Date()): TimeWindow {
  const preset = PRESETS.find((p) => p.id === t.preset);
  if (preset?.hours) return { from: new Date(now.getTime() - preset.hours * 3_600_000) };
  if (t.preset !== 'custom') return {};
  return { from: parseLocal(t.from), to: parseLocal(t.to) };
}

export function inWindow(w: TimeWindow, iso: string): boolean {
  const t = Date.parse(iso);
  return (!w.from || t >= w.from.getTime()) && (!w.to || t < w.to.getTime());
}

/** A datetime-local value ("2026-11-25T14:05") as a Date in local time; undefined if blank or bad. */
export function parseLocal(v: string): Date | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A Date as a datetime-local value, to the minute. */
export function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
