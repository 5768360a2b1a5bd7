import { isCalendarDate, isId, sameJson } from './values.js';

describe('values', () => {
  it.each(['2024-05-07', '2024-02-29', '1999-12-31', '2000-02-29'])('accepts the calendar date %s', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  it.each(['2023-02-29', '2024-13-01', '2024-04-31', '2024-00-10', '2024-5-7', '20240507', '2024-05-07T00:00:00Z', '1800-01-01', 20240507, null])(
    'refuses %j as a date',
    (date) => {
      expect(isCalendarDate(date)).toBe(false);
    },
  );

  it('accepts ids of lowercase letters, digits, dots, dashes and underscores', () => {
    expect(isId('fj-changji')).toBe(true);
    expect(isId('2024.sm_07')).toBe(true);
    expect(isId('a'.repeat(128))).toBe(true);
    for (const bad of ['', 'A', '-lead', 'a b', 'a/b', 'a'.repeat(129), 'ç', 5]) expect(isId(bad)).toBe(false);
  });

  it('compares JSON values deeply, ignoring key order', () => {
    expect(sameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: null }, { a: undefined })).toBe(false);
  });
});
