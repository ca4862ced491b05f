import { describe, expect, it } from 'vitest';
import { keySimilarity, nameKey, normalizeApostrophes, romanizeUk } from '../../src/geo/romanize';

describe('romanizeUk (official 2010 romanization, KMU resolution 55)', () => {
  // The resolution's own table of examples, with the letters spelled differently at a word's start.
  it.each([
    ['Алушта', 'Alushta'],
    ['Борщагівка', 'Borshchahivka'],
    ['Вінниця', 'Vinnytsia'],
    ['Гадяч', 'Hadiach'],
    ['Ґалаґан', 'Galagan'],
    ['Рівне', 'Rivne'],
    ['Єнакієве', 'Yenakiieve'],
    ['Гайчинець', 'Haichynets'],
    ['Костянтин', 'Kostiantyn'],
    ['Житомир', 'Zhytomyr'],
    ['Закарпаття', 'Zakarpattia'],
    ['Медвин', 'Medvyn'],
    ['Іршава', 'Irshava'],
    ['Їжакевич', 'Yizhakevych'],
    ['Кадиївка', 'Kadyivka'],
    ['Йосипівка', 'Yosypivka'],
    ['Стрий', 'Stryi'],
    ['Олексій', 'Oleksii'],
    ['Київ', 'Kyiv'],
    ['Миколаїв', 'Mykolaiv'],
    ['Ніжин', 'Nizhyn'],
    ['Одеса', 'Odesa'],
    ['Ромни', 'Romny'],
    ['Ужгород', 'Uzhhorod'],
    ['Фастів', 'Fastiv'],
    ['Богодухів', 'Bohodukhiv'],
    ['Біла Церква', 'Bila Tserkva'],
    ['Чернівці', 'Chernivtsi'],
    ['Шостка', 'Shostka'],
    ['Гоща', 'Hoshcha'],
    ['Юрій', 'Yurii'],
    ['Корюківка', 'Koriukivka'],
    ['Яготин', 'Yahotyn'],
    ['Ічня', 'Ichnia'],
    ['Згурівка', 'Zghurivka'],
    ['Розгон', 'Rozghon'],
    ['Знам\'янка', 'Znamianka'],
    ['Русь', 'Rus'],
  ])('%s → %s', (uk, latin) => {
    expect(romanizeUk(uk)).toBe(latin);
  });

  it('spells the front-line towns as Ukraine does, whatever apostrophe the source wrote', () => {
    expect(romanizeUk('Авдіївка')).toBe('Avdiivka');
    expect(romanizeUk("Куп'янськ")).toBe('Kupiansk');
    expect(romanizeUk('Куп’янськ')).toBe('Kupiansk');
    expect(romanizeUk('Купʼянськ')).toBe('Kupiansk');
    expect(romanizeUk('Запоріжжя')).toBe('Zaporizhzhia');
    expect(romanizeUk('Сєвєродонецьк')).toBe('Sievierodonetsk');
    expect(romanizeUk('Слов\'янськ')).toBe('Sloviansk');
    expect(romanizeUk('Кам\'янець-Подільський')).toBe('Kamianets-Podilskyi');
    // A word's start is after a space or a hyphen too; a word in capitals stays in capitals.
    expect(romanizeUk('Яблунівка-Ясенове')).toBe('Yablunivka-Yasenove');
    expect(romanizeUk('Новий Яр')).toBe('Novyi Yar');
    expect(romanizeUk('ЩАСТЯ')).toBe('SHCHASTIA');
    expect(romanizeUk('Kyiv 2026')).toBe('Kyiv 2026');
  });

  it('one apostrophe for all its spellings', () => {
    expect(normalizeApostrophes('Куп’янськ Купʼянськ Куп`янськ')).toBe("Куп'янськ Куп'янськ Куп'янськ");
  });
});

describe('nameKey', () => {
  it('makes GeoNames and official spellings of one name meet', () => {
    expect(nameKey('Kupjansk')).toBe(nameKey('Kupiansk'));
    expect(nameKey("Kup'yans'k")).toBe(nameKey('Kupiansk'));
    expect(nameKey('Avdiyivka')).toBe(nameKey('Avdiivka'));
    expect(nameKey('Zaporizhia')).toBe(nameKey('Zaporizhzhia'));
    expect(nameKey('Kramators’k')).toBe(nameKey('Kramatorsk'));
    expect(nameKey('Odessa')).toBe(nameKey('Odesa'));
    expect(nameKey('Bakhmut')).not.toBe(nameKey('Artemivsk'));
  });

  it('measures likeness by edit distance', () => {
    expect(keySimilarity('abcd', 'abcd')).toBe(1);
    expect(keySimilarity('abcd', 'abce')).toBe(0.75);
    expect(keySimilarity('', '')).toBe(1);
    expect(keySimilarity(nameKey('Druzhkivka'), nameKey('Druzhkivske'))).toBeLessThan(0.85);
  });
});
