/*
 * Ukrainian place names in Latin letters, and a loose key for matching spellings across sources.
 *
 * `romanizeUk` is Ukraine's official romanization (Cabinet of Ministers resolution No. 55 of
 * 27 January 2010), the system behind "Kyiv", "Zaporizhzhia" and "Kupiansk": a fixed letter
 * table, with four letters spelled differently at the start of a word (є ye, ї yi, й y, ю yu,
 * я ya; inside a word ie, i, i, iu, ia), зг as zgh (so that it is not read as ж), and the soft sign
 * and the apostrophe left out.
 */

const LETTERS: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e', є: 'ie', ж: 'zh', з: 'z', и: 'y', і: 'i', ї: 'i', й: 'i',
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch',
  ш: 'sh', щ: 'shch', ь: '', ю: 'iu', я: 'ia',
  // Not Ukrainian letters; spelled as Russian's are by the same conventions, so that a stray one never vanishes.
  ы: 'y', э: 'e', ъ: '', ё: 'io',
};
/** Letters spelled differently at the start of a word. */
const INITIAL: Record<string, string> = { є: 'ye', ї: 'yi', й: 'y', ю: 'yu', я: 'ya', ё: 'yo' };
/** The apostrophe in its spellings (ASCII, typographic, the modifier letter U+02BC, and look-alikes). */
const APOSTROPHES = new Set(["'", '’', 'ʼ', '‘', '`', 'ʹ', '′']);

const isCyrillic = (c: string | undefined): boolean => c !== undefined && /[\u0400-\u04ff]/.test(c);
const isLetter = (c: string | undefined): boolean => c !== undefined && /\p{L}/u.test(c);
const isUpper = (c: string | undefined): boolean => c !== undefined && c !== c.toLowerCase();

/** One apostrophe for all its spellings: the ASCII one, as most Ukrainian text on screens has it ("Куп'янськ"). */
export function normalizeApostrophes(text: string): string {
  return [...text].map((c) => (APOSTROPHES.has(c) ? "'" : c)).join('');
}

/** Romanizes Ukrainian text by the official 2010 system: "Куп'янськ" → "Kupiansk", "Згурівка" → "Zghurivka". Other characters pass through. */
export function romanizeUk(text: string): string {
  const chars = [...text];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (APOSTROPHES.has(ch)) continue;
    if (!isCyrillic(ch)) {
      out += ch;
      continue;
    }
    const lower = ch.toLowerCase();
    const prev = chars[i - 1];
    // A word starts after anything but a letter or an apostrophe (Знам'янка: the я is inside the word).
    const initial = !isLetter(prev) && !(prev !== undefined && APOSTROPHES.has(prev));
    let latin = (initial ? INITIAL[lower] : undefined) ?? LETTERS[lower] ?? lower;
    if (lower === 'г' && prev?.toLowerCase() === 'з') latin = 'gh';
    if (isUpper(ch) && latin.length > 0) {
      // A word in capitals stays in capitals ("ЩАСТЯ" → "SHCHASTIA"); otherwise only the first letter is one ("Щастя" → "Shchastia").
      const allCaps = isUpper(chars[i + 1]) || (isUpper(prev) && isLetter(prev));
      latin = allCaps ? latin.toUpperCase() : latin[0]!.toUpperCase() + latin.slice(1);
    }
    out += latin;
  }
  return out;
}

/**
 * A loose key for comparing Latin spellings of one name made by different systems (GeoNames'
 * "Kupjansk", "Kup'yans'k", "Avdiyivka", "Zaporizhia"; the official "Kupiansk", "Avdiivka",
 * "Zaporizhzhia"): lower case, no diacritics, apostrophes, spaces or hyphens; j and y as i,
 * runs of i as one; g as h (Russian-based spellings write Ukrainian г as g); doubled letters once.
 */
export function nameKey(latin: string): string {
  return latin
    .toLowerCase()
    .replace(/ž/g, 'zh')
    .replace(/š/g, 'sh')
    .replace(/č/g, 'ch')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z]/g, '')
    .replace(/(zh)+/g, 'zh')
    .replace(/[jy]/g, 'i')
    .replace(/g/g, 'h')
    .replace(/ts/g, 'c')
    .replace(/([a-z])\1+/g, '$1');
}

/** Similarity of two keys, 0 to 1: one less the edit distance over the longer length. */
export function keySimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const n = Math.max(a.length, b.length);
  if (n === 0) return 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return 1 - prev[b.length]! / n;
}
