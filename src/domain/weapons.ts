/**
 * Weapon classes and the catalogue of weapon models that map onto them.
 *
 * The classes follow the Minsk withdrawal rules (Package of Measures, 12 Feb 2015, point 2, and
 * the Addendum of 29 Sept 2015), plus two classes the rules do not regulate but monitors record
 * (armoured combat vehicles, air defence). An agreement's provisions name classes by id; an
 * unknown id is rejected when the agreement is loaded.
 */

export const WEAPON_CLASSES = [
  'artillery_ge_100mm',
  'mlrs',
  'heavy_mlrs_tactical_missiles',
  'tanks',
  'artillery_lt_100mm',
  'mortars',
  'armoured_combat_vehicles',
  'air_defence',
] as const;
export type WeaponClass = (typeof WEAPON_CLASSES)[number];

export function isWeaponClass(x: string): x is WeaponClass {
  return (WEAPON_CLASSES as readonly string[]).includes(x);
}

export const WEAPON_CLASS_INFO: Record<WeaponClass, { name: string; description: string }> = {
  artillery_ge_100mm: {
    name: 'Artillery ≥ 100 mm',
    description: 'Guns, howitzers and self-propelled artillery of 100 mm calibre and above, and mortars above 120 mm (PoM point 2: 50 km zone).',
  },
  mlrs: { name: 'MLRS', description: 'Multiple-launch rocket systems below 220 mm, e.g. BM-21 Grad, TOS-1 (PoM point 2: 70 km zone).' },
  heavy_mlrs_tactical_missiles: {
    name: 'Heavy MLRS and tactical missiles',
    description: 'Tornado-S, Uragan, Smerch and Tochka/Tochka-U (PoM point 2: 140 km zone), and systems of that kind (MLRS of 220 mm and more, tactical ballistic missiles).',
  },
  tanks: { name: 'Tanks', description: 'Main battle tanks (Addendum of 29 Sept 2015: 15 km from the line).' },
  artillery_lt_100mm: { name: 'Artillery < 100 mm', description: 'Guns below 100 mm calibre, from 57 mm (Addendum: 15 km).' },
  mortars: { name: 'Mortars ≤ 120 mm', description: 'Mortars up to 120 mm, including automatic and self-propelled mortars (Addendum: 15 km).' },
  armoured_combat_vehicles: { name: 'Armoured combat vehicles', description: 'IFVs and APCs; recorded, not regulated by the Minsk withdrawal rules.' },
  air_defence: { name: 'Air defence', description: 'Anti-aircraft guns and SAM systems; recorded, not regulated by the Minsk withdrawal rules.' },
};

export interface WeaponModel {
  /** Canonical designation. */
  model: string;
  /** Other names a monitor may write (designations, nicknames, Cyrillic spellings are folded). */
  aliases: readonly string[];
  class: WeaponClass;
  caliberMm: number;
  kind: string;
}

const m = (model: string, cls: WeaponClass, caliberMm: number, kind: string, ...aliases: string[]): WeaponModel => ({ model, aliases, class: cls, caliberMm, kind });

export const WEAPON_MODELS: readonly WeaponModel[] = [
  // artillery of 100 mm and above
  m('2S1', 'artillery_ge_100mm', 122, 'self-propelled howitzer', 'Gvozdika', '2S1 Gvozdika'),
  m('2S3', 'artillery_ge_100mm', 152, 'self-propelled howitzer', 'Akatsiya', 'Akatsia', '2S3M'),
  m('2S5', 'artillery_ge_100mm', 152, 'self-propelled gun', 'Giatsint-S', 'Hyacinth-S'),
  m('2S7', 'artillery_ge_100mm', 203, 'self-propelled gun', 'Pion', 'Peony', '2S7M', 'Malka'),
  m('2S19', 'artillery_ge_100mm', 152, 'self-propelled howitzer', 'Msta-S', '2S19M'),
  m('2S22', 'artillery_ge_100mm', 155, 'self-propelled howitzer', 'Bohdana', 'Bogdana'),
  m('2S4', 'artillery_ge_100mm', 240, 'self-propelled heavy mortar', 'Tyulpan', 'Tulip'),
  m('D-30', 'artillery_ge_100mm', 122, 'towed howitzer', '2A18', 'D30'),
  m('D-20', 'artillery_ge_100mm', 152, 'towed gun-howitzer', '2A33'),
  m('2A65', 'artillery_ge_100mm', 152, 'towed howitzer', 'Msta-B'),
  m('2A36', 'artillery_ge_100mm', 152, 'towed gun', 'Giatsint-B', 'Hyacinth-B'),
  m('M-46', 'artillery_ge_100mm', 130, 'towed field gun', 'M46'),
  m('BS-3', 'artillery_ge_100mm', 100, 'towed field gun'),
  // MT-12 is 100 mm: the issue's ≥ 100 mm rule puts it here (the SMM listed it under the Addendum at times).
  m('MT-12', 'artillery_ge_100mm', 100, 'towed anti-tank gun', 'Rapira', '2A29', 'T-12'),
  m('M777', 'artillery_ge_100mm', 155, 'towed howitzer'),
  m('M109', 'artillery_ge_100mm', 155, 'self-propelled howitzer', 'Paladin'),
  m('PzH 2000', 'artillery_ge_100mm', 155, 'self-propelled howitzer', 'PzH2000', 'Panzerhaubitze 2000'),
  m('CAESAR', 'artillery_ge_100mm', 155, 'truck-mounted howitzer'),
  m('AHS Krab', 'artillery_ge_100mm', 155, 'self-propelled howitzer', 'Krab'),
  m('M119', 'artillery_ge_100mm', 105, 'towed howitzer'),
  // MLRS
  m('BM-21', 'mlrs', 122, 'multiple rocket launcher', 'Grad', 'BM-21 Grad', '9K51', '9P138', 'Grad-1', 'RM-70', 'BM-21U'),
  m('Tornado-G', 'mlrs', 122, 'multiple rocket launcher', '9K51M', 'Tornado G'),
  m('TOS-1', 'mlrs', 220, 'heavy flamethrower system', 'Buratino', 'TOS-1A', 'Solntsepyok'),
  // heavy MLRS and tactical missiles (PoM: Tornado-S, Uragan, Smerch, Tochka/Tochka-U)
  m('BM-27', 'heavy_mlrs_tactical_missiles', 220, 'multiple rocket launcher', 'Uragan', 'BM-27 Uragan', '9K57', '9P140'),
  m('BM-30', 'heavy_mlrs_tactical_missiles', 300, 'multiple rocket launcher', 'Smerch', 'BM-30 Smerch', '9K58', '9A52'),
  m('Tornado-S', 'heavy_mlrs_tactical_missiles', 300, 'multiple rocket launcher', '9K515', '9A54', 'Tornado S'),
  m('Tornado-U', 'heavy_mlrs_tactical_missiles', 220, 'multiple rocket launcher', '9K512', 'Uragan-1M', 'Tornado U'),
  // "Tornado" alone is the Package of Measures' name for Tornado-S.
  m('Tornado', 'heavy_mlrs_tactical_missiles', 300, 'multiple rocket launcher'),
  m('Bureviy', 'heavy_mlrs_tactical_missiles', 220, 'multiple rocket launcher', 'Bureviy MLRS'),
  m('Vilkha', 'heavy_mlrs_tactical_missiles', 300, 'multiple rocket launcher', 'Vilkha-M'),
  m('M142', 'heavy_mlrs_tactical_missiles', 227, 'multiple rocket launcher', 'HIMARS'),
  m('M270', 'heavy_mlrs_tactical_missiles', 227, 'multiple rocket launcher', 'M270 MLRS'),
  m('Tochka-U', 'heavy_mlrs_tactical_missiles', 650, 'tactical ballistic missile', '9K79-1', 'Tochka U', 'SS-21'),
  m('Tochka', 'heavy_mlrs_tactical_missiles', 650, 'tactical ballistic missile', '9K79', 'OTR-21'),
  m('Iskander', 'heavy_mlrs_tactical_missiles', 920, 'tactical ballistic missile', '9K720', 'Iskander-M'),
  // tanks
  m('T-55', 'tanks', 100, 'main battle tank'),
  m('T-62', 'tanks', 115, 'main battle tank'),
  m('T-64', 'tanks', 125, 'main battle tank', 'T-64BV', 'T-64BM', 'Bulat', 'T-64B'),
  m('T-72', 'tanks', 125, 'main battle tank', 'T-72B', 'T-72B3', 'T-72A', 'T-72AMT'),
  m('T-80', 'tanks', 125, 'main battle tank', 'T-80BV', 'T-80U', 'T-80BVM'),
  m('T-84', 'tanks', 125, 'main battle tank', 'Oplot', 'T-84 Oplot'),
  m('T-90', 'tanks', 125, 'main battle tank', 'T-90A', 'T-90M', 'Proryv'),
  m('Leopard 2', 'tanks', 120, 'main battle tank', 'Leopard-2', 'Leopard 2A4', 'Leopard 2A6'),
  m('Leopard 1', 'tanks', 105, 'main battle tank', 'Leopard-1', 'Leopard 1A5'),
  m('M1 Abrams', 'tanks', 120, 'main battle tank', 'Abrams', 'M1A1'),
  m('Challenger 2', 'tanks', 120, 'main battle tank'),
  // artillery below 100 mm
  m('D-44', 'artillery_lt_100mm', 85, 'towed divisional gun'),
  m('ZiS-3', 'artillery_lt_100mm', 76, 'towed divisional gun', 'ZIS-3'),
  m('SD-44', 'artillery_lt_100mm', 85, 'self-propelled auxiliary gun'),
  // mortars up to 120 mm
  m('2B9', 'mortars', 82, 'automatic mortar', 'Vasilek', 'Vasilyok', '2B9 Vasilek'),
  m('2B14', 'mortars', 82, 'mortar', 'Podnos', '82 mm mortar', '82mm mortar', 'BM-37'),
  m('2B11', 'mortars', 120, 'mortar', 'Sani', '120 mm mortar', '120mm mortar', 'PM-38', 'M-120', 'M120'),
  m('2S12', 'mortars', 120, 'mortar on a truck', '2S12 Sani', '2S12A'),
  m('2S9', 'mortars', 120, 'self-propelled gun-mortar', 'Nona-S', 'Nona'),
  m('2B16', 'mortars', 120, 'towed gun-mortar', 'Nona-K'),
  m('2S23', 'mortars', 120, 'self-propelled gun-mortar', 'Nona-SVK'),
  m('2S31', 'mortars', 120, 'self-propelled gun-mortar', 'Vena'),
  m('2B24', 'mortars', 82, 'mortar'),
  m('2S34', 'mortars', 120, 'self-propelled gun-mortar', 'Khosta', 'Hosta'),
  // not regulated by Minsk, recorded
  m('BMP-1', 'armoured_combat_vehicles', 73, 'infantry fighting vehicle', 'BMP1'),
  m('BMP-2', 'armoured_combat_vehicles', 30, 'infantry fighting vehicle', 'BMP2'),
  m('BMP-3', 'armoured_combat_vehicles', 100, 'infantry fighting vehicle', 'BMP3'),
  m('BTR-70', 'armoured_combat_vehicles', 14.5, 'armoured personnel carrier'),
  m('BTR-80', 'armoured_combat_vehicles', 14.5, 'armoured personnel carrier', 'BTR-80A'),
  m('BTR-82', 'armoured_combat_vehicles', 30, 'armoured personnel carrier', 'BTR-82A'),
  m('MT-LB', 'armoured_combat_vehicles', 7.62, 'armoured tractor', 'MTLB'),
  m('BMD-2', 'armoured_combat_vehicles', 30, 'airborne combat vehicle'),
  m('ZU-23-2', 'air_defence', 23, 'anti-aircraft gun', 'ZU-23', 'ZU23'),
  m('2S6', 'air_defence', 30, 'self-propelled anti-aircraft system', 'Tunguska'),
  m('9K35', 'air_defence', 0, 'surface-to-air missile system', 'Strela-10'),
  m('9K33', 'air_defence', 0, 'surface-to-air missile system', 'Osa'),
  m('Buk', 'air_defence', 0, 'surface-to-air missile system', '9K37', 'Buk-M1', 'Buk-M2'),
];

/** Class names and common words a sighting may use instead of a model. */
const CLASS_ALIASES: Record<string, WeaponClass> = {
  tank: 'tanks',
  tanks: 'tanks',
  mbt: 'tanks',
  mlrs: 'mlrs',
  mrl: 'mlrs',
  'multiple rocket launcher': 'mlrs',
  'multiple launch rocket system': 'mlrs',
  mortar: 'mortars',
  mortars: 'mortars',
  'heavy mlrs': 'heavy_mlrs_tactical_missiles',
  'tactical missile': 'heavy_mlrs_tactical_missiles',
  'tactical missiles': 'heavy_mlrs_tactical_missiles',
  apc: 'armoured_combat_vehicles',
  ifv: 'armoured_combat_vehicles',
  'air defence': 'air_defence',
  'air defense': 'air_defence',
};

/** Latin look-alikes and transliterations of Cyrillic letters found in weapon designations. */
const CYRILLIC: Record<string, string> = {
  А: 'A', Б: 'B', В: 'V', Г: 'G', Д: 'D', Е: 'E', К: 'K', Л: 'L', М: 'M', Н: 'N', О: 'O', П: 'P', Р: 'R', С: 'S', Т: 'T', У: 'U', Х: 'KH', Ц: 'TS', І: 'I', И: 'I', З: 'Z', Ф: 'F', Ш: 'SH', Ю: 'YU', Я: 'YA',
};

/** Canonical key of a designation: upper case, Cyrillic folded, without spaces, hyphens, dots or quotes. */
export function normaliseDesignation(s: string): string {
  return s
    .toUpperCase()
    .replace(/[\u0400-\u04FF]/g, (c) => CYRILLIC[c] ?? '')
    .replace(/[\s\-_.'"«»“”‘’()/]+/g, '');
}

const BY_KEY = new Map<string, WeaponModel>();
for (const w of WEAPON_MODELS) {
  for (const name of [w.model, ...w.aliases]) {
    const k = normaliseDesignation(name);
    if (!BY_KEY.has(k)) BY_KEY.set(k, w);
  }
}

export interface WeaponClassification {
  /** The class, or null when the sighting cannot be classified (recorded, never a breach). */
  weaponClass: WeaponClass | null;
  /** The catalogue model matched, if any. */
  model?: string;
  caliberMm?: number;
  /** How the class was found. */
  basis: 'model' | 'class' | 'caliber' | 'unclassified';
}

/** Classifies by calibre alone (with a word such as "mortar" or "MLRS" in the model, if any). */
function byCaliber(caliberMm: number, hint: WeaponClass | null): WeaponClass | null {
  if (hint === 'mortars') return caliberMm <= 120 ? 'mortars' : 'artillery_ge_100mm';
  if (hint === 'mlrs' || hint === 'heavy_mlrs_tactical_missiles') return caliberMm >= 220 ? 'heavy_mlrs_tactical_missiles' : 'mlrs';
  if (hint && hint !== 'artillery_ge_100mm') return hint;
  if (caliberMm >= 100) return 'artillery_ge_100mm';
  if (caliberMm >= 57) return 'artillery_lt_100mm';
  return null;
}

/**
 * Classifies a sighting's weapon: by catalogue model (any of its names, or a name found among the
 * words of `model`), by a class id or class word (tank, MLRS, mortar…), or, for an unknown model
 * with a calibre, by calibre (≥ 100 mm: artillery ≥ 100 mm; 57–99 mm: artillery < 100 mm; with
 * "mortar" in the model: mortars up to 120 mm; with "MLRS"/"rocket": MLRS, heavy from 220 mm).
 * Anything else is unclassified: recorded, not a breach.
 */
export function classifyWeapon(weapon: { model?: string; caliberMm?: number } | undefined | null): WeaponClassification {
  if (!weapon) return { weaponClass: null, basis: 'unclassified' };
  const raw = weapon.model?.trim() ?? '';
  const cal = weapon.caliberMm;
  if (raw) {
    if (isWeaponClass(raw)) return { weaponClass: raw, basis: 'class', ...(cal ? { caliberMm: cal } : {}) };
    const whole = BY_KEY.get(normaliseDesignation(raw));
    if (whole) return { weaponClass: whole.class, model: whole.model, caliberMm: cal ?? whole.caliberMm, basis: 'model' };
    // a known designation among the words ("D-20 152mm howitzer", "tank T-72B3")
    const words = raw.split(/[\s,;/()]+/).filter(Boolean);
    for (let n = Math.min(3, words.length); n >= 1; n--) {
      for (let i = 0; i + n <= words.length; i++) {
        const w = BY_KEY.get(normaliseDesignation(words.slice(i, i + n).join(' ')));
        if (w) return { weaponClass: w.class, model: w.model, caliberMm: cal ?? w.caliberMm, basis: 'model' };
      }
    }
    const lower = raw.toLowerCase();
    let hint: WeaponClass | null = CLASS_ALIASES[lower] ?? null;
    if (!hint) {
      if (/\bmortars?\b/.test(lower)) hint = 'mortars';
      else if (/\b(mlrs|mrl|rocket)/.test(lower)) hint = 'mlrs';
      else if (/\btanks?\b/.test(lower)) hint = 'tanks';
      else if (/\bhowitzers?\b/.test(lower)) hint = 'artillery_ge_100mm';
    }
    if (cal) {
      const c = byCaliber(cal, hint);
      return c ? { weaponClass: c, caliberMm: cal, basis: 'caliber' } : { weaponClass: null, caliberMm: cal, basis: 'unclassified' };
    }
    if (hint) return { weaponClass: hint, basis: 'class' };
    return { weaponClass: null, basis: 'unclassified' };
  }
  if (cal) {
    const c = byCaliber(cal, null);
    return c ? { weaponClass: c, caliberMm: cal, basis: 'caliber' } : { weaponClass: null, caliberMm: cal, basis: 'unclassified' };
  }
  return { weaponClass: null, basis: 'unclassified' };
}
