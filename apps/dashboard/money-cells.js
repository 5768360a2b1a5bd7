// Money in table cells and figure cards: exact amounts, one line per currency.

import { h } from './dom.js';
import { chineseUnits, groupDigits, percent } from './money.js';

/** One line per currency: the exact amount with grouped digits, and for CNY its 亿/万 form. */
export function moneyLines(byCurrency) {
  const currencies = Object.keys(byCurrency).sort();
  if (currencies.length === 0) return [h('span', { class: 'none' }, '—')];
  return currencies.map((currency) =>
    h(
      'span',
      { class: 'money', 'data-currency': currency },
      h('span', { class: 'exact' }, `${currency} ${groupDigits(byCurrency[currency])}`),
      currency === 'CNY' ? h('span', { class: 'units' }, chineseUnits(byCurrency[currency])) : null,
    ),
  );
}

export function moneyCell(field, byCurrency) {
  return h('td', { class: 'num', 'data-field': field }, moneyLines(byCurrency));
}

export function percentCell(pledged, delivered) {
  const currencies = Object.keys(pledged).sort();
  const lines = currencies.map((currency) => h('span', { class: 'money' }, percent(delivered[currency] ?? '0', pledged[currency])));
  return h('td', { class: 'num', 'data-field': 'deliveredShare' }, lines.length ? lines : '—');
}

/** An amount of the API's `{amount, currency}` shape as a by-currency map, as the cells take them. */
export const one = (money) => ({ [money.currency]: money.amount });
