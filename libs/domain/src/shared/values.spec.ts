import { isCalendarDate, isId, parseTimestamp, sameJson } from './values.js';

describe('values', () => {
  it.each(['2024-05-07', '2024-02-29', '1999-12-31', '2000-02-29'])('accepts the calendar date %s', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  it.each([
    '2023-02-29',
    '2024-13-01',
    '2024-04-31',
    '2024-00-10',
    '2024-5-7',
    '20240507',
    '2024-05-07T00:00:00Z',
    '1800-01-01',
    20240507,
    null,
  ])('refuses %j as a date', (date) => {
    expect(isCalendarDate(date)).toBe(false);
  });

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

  it.each([
    ['2024-05-07T10:00:00Z', '2024-05-07T10:00:00.000Z'],
    ['2024-05-07T18:00:00+08:00', '2024-05-07T10:00:00.000Z'],
    ['2024-05-07T05:30-04:30', '2024-05-07T10:00:00.000Z'],
    ['2024-05-07T10:00:00.1234567Z', '2024-05-07T10:00:00.123Z'],
    ['2024-02-29T23:59:59.999+00:00', '2024-02-29T23:59:59.999Z'],
    ['2024-01-01T00:30:00+01:00', '2023-12-31T23:30:00.000Z'],
  ])('reads the timestamp %s as %s', (text, iso) => {
    expect(new Date(parseTimestamp(text) as number).toISOString()).toBe(iso);
  });

  it.each([
    '2024-05-07T10:00:00',
    '2024-05-07',
    '2024-05-07 10:00:00Z',
    '2023-02-29T10:00:00Z',
    '2024-05-07T24:00:00Z',
    '2024-05-07T10:60:00Z',
    '2024-05-07T10:00:60Z',
    '2024-05-07T10:00:00+0800',
    '2024-05-07T10:00:00+24:00',
    '2024-05-07t10:00:00z',
    '1714000000000',
    1714000000000,
    null,
  ])('refuses %j as a timestamp', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});
