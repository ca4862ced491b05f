import type { Observation, ObservationKind, Subkind } from './types';

/** One entry of the legend: how observations of a kind (explosions: of a subkind) are drawn. */
export interface KindStyle {
  label: string;
  colour: string;
}

export const KIND_STYLES: Record<ObservationKind, KindStyle> = {
  explosion: { label: 'Explosion', colour: '#ff3b30' },
  burst: { label: 'Burst of fire', colour: '#ffd60a' },
  shot: { label: 'Shot', colour: '#fff3b0' },
  muzzle_flash: { label: 'Muzzle flash', colour: '#ff7a5c' },
  projectile_in_flight: { label: 'Projectile in flight', colour: '#c77dff' },
  illumination_flare: { label: 'Illumination flare', colour: '#f2f2f7' },
  weapon_sighting: { label: 'Weapon sighting', colour: '#3b9cff' },
  movement: { label: 'Movement', colour: '#5ee0ff' },
  flight: { label: 'Flight', colour: '#9d9bff' },
  damage: { label: 'Damage', colour: '#c08a5b' },
  casualty: { label: 'Casualty', colour: '#ff2d78' },
  mine: { label: 'Mine', colour: '#34d399' },
  access_restriction: { label: 'Access restriction', colour: '#a3e635' },
  other: { label: 'Other', colour: '#8e8e93' },
};

export const SUBKIND_STYLES: Record<Subkind, KindStyle> = {
  impact: { label: 'Impact', colour: '#ff3b30' },
  outgoing: { label: 'Outgoing', colour: '#ff9f0a' },
  airburst: { label: 'Airburst', colour: '#ff6ec7' },
  undetermined: { label: 'Undetermined', colour: '#c8a27a' },
};

/** Legend order: fire first (what the daily report counts), then sightings, then effects. */
export const KIND_GROUPS: { title: string; kinds: ObservationKind[] }[] = [
  { title: 'Fire', kinds: ['explosion', 'burst', 'shot', 'muzzle_flash', 'projectile_in_flight', 'illumination_flare'] },
  { title: 'Sightings', kinds: ['weapon_sighting', 'movement', 'flight'] },
  { title: 'Effects and other', kinds: ['damage', 'casualty', 'mine', 'access_restriction', 'other'] },
];

export const ALL_KINDS: ObservationKind[] = KIND_GROUPS.flatMap((g) => g.kinds);
export const SUBKINDS = Object.keys(SUBKIND_STYLES) as Subkind[];
/** As src/domain/observation.ts FIRE_KINDS: what the daily report counts as violations. */
export const FIRE_KINDS: ObservationKind[] = ['explosion', 'burst', 'shot', 'muzzle_flash', 'projectile_in_flight'];

/** The key a map feature is styled by: the kind, or "explosion:<subkind>". */
export function styleKey(o: Pick<Observation, 'kind' | 'subkind'>): string {
  return o.kind === 'explosion' ? `explosion:${o.subkind ?? 'undetermined'}` : o.kind;
}

export function kindLabel(o: Pick<Observation, 'kind' | 'subkind'>): string {
  const base = KIND_STYLES[o.kind].label;
  return o.kind === 'explosion' && o.subkind ? `${base}, ${SUBKIND_STYLES[o.subkind].label.toLowerCase()}` : base;
}

export function colourOf(o: Pick<Observation, 'kind' | 'subkind'>): string {
  return o.kind === 'explosion' ? SUBKIND_STYLES[o.subkind ?? 'undetermined'].colour : KIND_STYLES[o.kind].colour;
}

/** [key, colour] pairs for a MapLibre `match` expression over styleKey. */
export function colourStops(): string[] {
  const subs = SUBKINDS.flatMap((s) => [`explosion:${s}`, SUBKIND_STYLES[s].colour]);
  const kinds = ALL_KINDS.filter((k) => k !== 'explosion').flatMap((k) => [k, KIND_STYLES[k].colour]);
  return [...subs, ...kinds];
}
