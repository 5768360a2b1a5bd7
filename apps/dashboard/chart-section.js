// A chart with its legend and, when there are several currencies, a choice of one.

import { barChart } from './chart.js';
import { h } from './dom.js';

/** The currency last chosen, kept from one view to the next. */
let chosenCurrency = 'CNY';

/**
 * A chart section over rows [{id, label, href, pledged: {CUR: amount}, delivered: {…}}]:
 * one currency at a time (currencies are never added together), chosen when there are several.
 */
export function chartSection(title, rows) {
  const currencies = [...new Set(rows.flatMap((row) => [...Object.keys(row.pledged), ...Object.keys(row.delivered)]))].sort();
  const section = h('section', { class: 'chart-section' });
  if (currencies.length === 0) {
    section.append(h('p', { class: 'empty' }, 'Nothing pledged or delivered yet.'));
    return section;
  }
  const draw = (currency) => {
    const chartRows = rows.map((row) => ({
      id: row.id,
      label: row.label,
      href: row.href,
      pledged: row.pledged[currency] ?? null,
      delivered: row.delivered[currency] ?? null,
    }));
    return barChart(chartRows, currency, `${title}: pledged vs delivered, ${currency}`);
  };
  const current = currencies.includes(chosenCurrency) ? chosenCurrency : currencies[0];
  const holder = h('div', { class: 'chart-holder' }, draw(current));
  const legend = h(
    'div',
    { class: 'legend' },
    h('span', { class: 'swatch swatch-pledged' }),
    'pledged',
    h('span', { class: 'swatch swatch-delivered' }),
    'delivered (its share of pledged)',
  );
  if (currencies.length > 1) {
    const select = h(
      'select',
      {
        class: 'currency-select',
        'aria-label': 'currency',
        onchange: (event) => {
          chosenCurrency = event.target.value;
          holder.replaceChildren(draw(chosenCurrency));
        },
      },
      currencies.map((currency) => h('option', { value: currency, selected: currency === current }, currency)),
    );
    legend.append(h('label', { class: 'currency' }, 'currency ', select));
  } else {
    legend.append(h('span', { class: 'currency' }, current));
  }
  section.append(legend, holder);
  return section;
}
