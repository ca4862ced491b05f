import { describe, expect, it } from 'vitest';
import { WEAPON_MODELS, classifyWeapon, normaliseDesignation } from '../../src/domain/weapons';

describe('weapon catalogue', () => {
  it.each([
    ['2S1', 'artillery_ge_100mm', 122],
    ['2S3 Akatsiya', 'artillery_ge_100mm', 152],
    ['2С19 Мста-С', 'artillery_ge_100mm', 152],
    ['D-30', 'artillery_ge_100mm', 122],
    ['D-20 152mm gun-howitzer', 'artillery_ge_100mm', 152],
    ['2A65 Msta-B', 'artillery_ge_100mm', 152],
    ['MT-12', 'artillery_ge_100mm', 100],
    ['BM-21', 'mlrs', 122],
    ['БМ-21 Град', 'mlrs', 122],
    ['Tornado-G', 'mlrs', 122],
    ['TOS-1A', 'mlrs', 220],
    ['BM-27 Uragan', 'heavy_mlrs_tactical_missiles', 220],
    ['Smerch', 'heavy_mlrs_tactical_missiles', 300],
    ['Tornado-S', 'heavy_mlrs_tactical_missiles', 300],
    ['Tochka-U', 'heavy_mlrs_tactical_missiles', 650],
    ['T-72B3', 'tanks', 125],
    ['tank T-64BV', 'tanks', 125],
    ['2B11', 'mortars', 120],
    ['120 mm mortar', 'mortars', 120],
    ['2B9 Vasilek', 'mortars', 82],
    ['2S12', 'mortars', 120],
    ['BMP-2', 'armoured_combat_vehicles', 30],
  ])('%s → %s', (model, cls, cal) => {
    const r = classifyWeapon({ model });
    expect(r.weaponClass).toBe(cls);
    expect(r.caliberMm).toBe(cal);
    expect(r.basis).toBe('model');
  });

  it('names a class instead of a model', () => {
    expect(classifyWeapon({ model: 'mlrs' })).toMatchObject({ weaponClass: 'mlrs', basis: 'class' });
    expect(classifyWeapon({ model: 'tanks' })).toMatchObject({ weaponClass: 'tanks', basis: 'class' });
    expect(classifyWeapon({ model: 'artillery_ge_100mm' })).toMatchObject({ weaponClass: 'artillery_ge_100mm', basis: 'class' });
    expect(classifyWeapon({ model: 'Tank' })).toMatchObject({ weaponClass: 'tanks' });
  });

  it('falls back by calibre for unknown models; unclassified otherwise', () => {
    expect(classifyWeapon({ model: 'unknown howitzer', caliberMm: 152 })).toMatchObject({ weaponClass: 'artillery_ge_100mm', basis: 'caliber' });
    expect(classifyWeapon({ model: 'old field gun', caliberMm: 85 })).toMatchObject({ weaponClass: 'artillery_lt_100mm', basis: 'caliber' });
    expect(classifyWeapon({ model: 'heavy mortar', caliberMm: 160 })).toMatchObject({ weaponClass: 'artillery_ge_100mm', basis: 'caliber' });
    expect(classifyWeapon({ model: 'home-made mortar', caliberMm: 82 })).toMatchObject({ weaponClass: 'mortars', basis: 'caliber' });
    expect(classifyWeapon({ model: 'rocket launcher', caliberMm: 300 })).toMatchObject({ weaponClass: 'heavy_mlrs_tactical_missiles' });
    expect(classifyWeapon({ caliberMm: 122 })).toMatchObject({ weaponClass: 'artillery_ge_100mm', basis: 'caliber' });
    expect(classifyWeapon({ caliberMm: 12.7 })).toMatchObject({ weaponClass: null, basis: 'unclassified' });
    expect(classifyWeapon({ model: 'something' })).toEqual({ weaponClass: null, basis: 'unclassified' });
    expect(classifyWeapon(undefined)).toEqual({ weaponClass: null, basis: 'unclassified' });
  });

  it('keeps model names unambiguous after normalisation', () => {
    const seen = new Map<string, string>();
    for (const w of WEAPON_MODELS) {
      const k = normaliseDesignation(w.model);
      expect(seen.get(k) ?? w.model).toBe(w.model);
      seen.set(k, w.model);
    }
  });
});
