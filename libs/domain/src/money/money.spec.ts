import { AMOUNT_PATTERN, add, compare, formatAmount, formatMinor, moneyProblem, parseMoney, subtract, toMoneyJson } from './money.js';

describe('money', () => {
  it('parses decimal strings into exact minor units', () => {
    expect(parseMoney({ amount: '1234.5', currency: 'CNY' })).toEqual({ minor: 123450n, currency: 'CNY' });
    expect(parseMoney({ amount: '23805000000', currency: 'CNY' }).minor).toBe(2380500000000n);
    expect(parseMoney({ amount: '7', currency: 'JPY' })).toEqual({ minor: 7n, currency: 'JPY' });
    expect(parseMoney({ amount: '1.005', currency: 'KWD' }).minor).toBe(1005n);
  });

  it('keeps the largest accepted amount exact, far past what a float holds', () => {
    const money = parseMoney({ amount: '999999999999999999.99', currency: 'CNY' });
    expect(formatAmount(money)).toBe('999999999999999999.99');
    expect(formatAmount(add(money, money))).toBe('1999999999999999999.98');
  });

  it('accepts zero only when asked to (a corrected amount)', () => {
    expect(moneyProblem({ amount: '0', currency: 'CNY' }, { allowZero: true })).toBeNull();
    expect(parseMoney({ amount: '0.00', currency: 'CNY' }, { allowZero: true })).toEqual({ minor: 0n, currency: 'CNY' });
    expect(() => parseMoney({ amount: '0', currency: 'CNY' })).toThrow('greater than zero');
    expect(moneyProblem({ amount: '-1', currency: 'CNY' }, { allowZero: true })).toContain('plain decimal');
  });

  it('adds 0.1 and 0.2 exactly', () => {
    const sum = add(parseMoney({ amount: '0.1', currency: 'CNY' }), parseMoney({ amount: '0.2', currency: 'CNY' }));
    expect(toMoneyJson(sum)).toEqual({ amount: '0.30', currency: 'CNY' });
  });

  it('formats with exactly the currency minor digits', () => {
    expect(formatAmount(parseMoney({ amount: '5', currency: 'CNY' }))).toBe('5.00');
    expect(formatMinor(5n, 'CNY')).toBe('0.05');
    expect(formatMinor(0n, 'CNY')).toBe('0.00');
    expect(formatMinor(-150n, 'CNY')).toBe('-1.50');
    expect(formatMinor(12n, 'JPY')).toBe('12');
  });

  it.each([
    [{ amount: 12.5, currency: 'CNY' }, 'not a number'],
    [{ amount: '1.234', currency: 'CNY' }, 'at most 2 decimal'],
    [{ amount: '1.5', currency: 'JPY' }, 'at most 0 decimal'],
    [{ amount: '0', currency: 'CNY' }, 'greater than zero'],
    [{ amount: '0.00', currency: 'CNY' }, 'greater than zero'],
    [{ amount: '-5', currency: 'CNY' }, 'plain decimal'],
    [{ amount: '1e9', currency: 'CNY' }, 'plain decimal'],
    [{ amount: ' 5', currency: 'CNY' }, 'plain decimal'],
    [{ amount: '05', currency: 'CNY' }, 'plain decimal'],
    [{ amount: '5.', currency: 'CNY' }, 'plain decimal'],
    [{ amount: '1234567890123456789', currency: 'CNY' }, 'at most 18 integer digits'],
    [{ amount: '5', currency: 'cny' }, 'ISO 4217'],
    [{ amount: '5', currency: 'XXX' }, 'ISO 4217'],
    [{ amount: '5' }, 'ISO 4217'],
    [{ amount: '5', currency: 'CNY', rate: 1 }, 'unknown field(s): rate'],
    ['5.00', 'must be an object'],
    [null, 'must be an object'],
    [['5', 'CNY'], 'must be an object'],
  ])('refuses %j (%s)', (value, reason) => {
    expect(moneyProblem(value)).toContain(reason);
    expect(() => parseMoney(value)).toThrow(reason);
  });

  it('publishes in AMOUNT_PATTERN exactly the shapes it accepts in some currency: 18 integer digits, up to 3 decimals', () => {
    for (const amount of ['1', '0.5', '999999999999999999', '999999999999999999.99', '1.005', '0']) {
      expect(AMOUNT_PATTERN.test(amount)).toBe(true);
      expect(moneyProblem({ amount, currency: 'KWD' }, { allowZero: true })).toBeNull();
    }
    for (const amount of ['1234567890123456789', '99999999999999999999', '1.0005', '-1', '05', '1e9', '5.', '.5', ' 5']) {
      expect(AMOUNT_PATTERN.test(amount)).toBe(false);
      expect(moneyProblem({ amount, currency: 'KWD' }, { allowZero: true })).not.toBeNull();
    }
  });

  it('never combines two currencies', () => {
    const cny = parseMoney({ amount: '1', currency: 'CNY' });
    const usd = parseMoney({ amount: '1', currency: 'USD' });
    expect(() => add(cny, usd)).toThrow('cannot combine CNY with USD');
    expect(() => subtract(cny, usd)).toThrow();
    expect(() => compare(cny, usd)).toThrow();
  });
});
