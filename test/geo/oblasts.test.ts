import { describe, expect, it } from 'vitest';
import { oblastAt, oblastNear } from '../../src/agreement/oblasts';

describe('oblasts (bundled OSM admin_level=4)', () => {
  it('finds the oblast a point lies in, with its Ukrainian name', () => {
    expect(oblastAt(37.75, 48.14)).toMatchObject({ code: 'UA-14', nameUk: 'Донецька область' }); // Avdiivka
    expect(oblastNear(36.25, 49.99)).toMatchObject({ inside: true, oblast: { code: 'UA-63' } }); // Kharkiv
  });

  it('names the nearest oblast for a point on the water the polygons leave out, and says it is outside', () => {
    // The Dnipro-Bug estuary south-west of Bilozerka: in no OSM oblast polygon.
    expect(oblastAt(32.393, 46.567)).toBeNull();
    const near = oblastNear(32.393, 46.567);
    expect(near?.inside).toBe(false);
    expect(near?.oblast.code).toMatch(/^UA-(65|48)$/); // Kherson or Mykolaiv, across the estuary
  });

  it('answers nothing for a point far from every oblast', () => {
    expect(oblastNear(37.62, 55.75)).toBeNull(); // Moscow
    expect(oblastNear(36.59, 50.6, 10)).toBeNull(); // Belgorod, ~35 km beyond the border
  });
});
