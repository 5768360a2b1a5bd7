// A horizontal bar chart in SVG, drawn by hand: for each row a pledged bar and
// a delivered bar beneath it, on one scale (the largest amount shown spans
// the plot). Bar lengths are ratios computed in BigInt (money.js); labels
// print the exact decimal strings.

import { chineseUnits, groupDigits, isPositive, maxAmount, percent, ratio } from './money.js';

const SVG = 'http://www.w3.org/2000/svg';
const LABEL_WIDTH = 270;
const PLOT_X = 280;
const PLOT_WIDTH = 400;
const WIDTH = 880;
const ROW_HEIGHT = 46;
const BAR_HEIGHT = 15;
const TOP = 8;

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** How an amount is labelled beside its bar: 亿/万 for CNY as the reports write it, grouped digits otherwise. */
export function barLabel(amount, currency) {
  return currency === 'CNY' ? chineseUnits(amount) : `${groupDigits(amount)} ${currency}`;
}

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * rows: [{id, label, href, pledged, delivered}] with amounts as decimal
 * strings in `currency` (or null when there is none). Returns an <svg>.
 */
export function barChart(rows, currency, title) {
  const height = TOP * 2 + rows.length * ROW_HEIGHT;
  const svg = el('svg', {
    class: 'chart',
    width: WIDTH,
    height,
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: 'img',
    'aria-label': title,
    'data-currency': currency,
  });
  svg.append(el('title', {}, title));
  const scale = rows
    .flatMap((row) => [row.pledged, row.delivered])
    .filter((amount) => amount !== null)
    .reduce(maxAmount, '0');

  rows.forEach((row, index) => {
    const y = TOP + index * ROW_HEIGHT;
    const group = el('g', { class: 'chart-row', 'data-row-id': row.id });
    const label = el(
      'text',
      { class: 'chart-label', x: LABEL_WIDTH, y: y + ROW_HEIGHT / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle' },
      truncate(row.label, 36),
    );
    label.append(el('title', {}, row.label));
    if (row.href) {
      const link = el('a', { href: row.href, class: 'chart-link' });
      link.append(label);
      group.append(link);
    } else {
      group.append(label);
    }
    // Gridline under the bars: where zero is.
    group.append(el('line', { class: 'chart-axis', x1: PLOT_X - 0.5, x2: PLOT_X - 0.5, y1: y + 2, y2: y + ROW_HEIGHT - 2 }));
    [
      ['pledged', row.pledged, y + 6],
      ['delivered', row.delivered, y + 6 + BAR_HEIGHT + 3],
    ].forEach(([kind, amount, barY]) => {
      const value = amount ?? '0';
      const fraction = isPositive(scale) ? ratio(value, scale) : 0;
      let width = Math.round(fraction * PLOT_WIDTH);
      if (width === 0 && isPositive(value)) width = 1;
      const bar = el('rect', {
        class: `bar bar-${kind}`,
        x: PLOT_X,
        y: barY,
        width,
        height: BAR_HEIGHT,
        'shape-rendering': 'crispEdges',
        'data-amount': value,
      });
      bar.append(el('title', {}, `${kind}: ${groupDigits(value)} ${currency}`));
      group.append(bar);
      group.append(
        el(
          'text',
          { class: `bar-value bar-value-${kind}`, x: PLOT_X + width + 6, y: barY + BAR_HEIGHT / 2, 'dominant-baseline': 'middle' },
          kind === 'delivered' && row.pledged !== null && isPositive(row.pledged)
            ? `${barLabel(value, currency)} (${percent(value, row.pledged)})`
            : barLabel(value, currency),
        ),
      );
    });
    svg.append(group);
  });
  return svg;
}
