// Exact money for the dashboard. The API prints every amount as a decimal
// string ("34033000000.00"); this module only ever moves digits around or
// uses BigInt, so no amount passes through floating point. Only a ratio
// between two amounts (for a bar's length) becomes a number.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function parse(amount) {
  const match = DECIMAL.exec(String(amount));
  if (!match) throw new Error(`not a decimal amount: ${amount}`);
  return { sign: match[1], whole: match[2].replace(/^0+(?=\d)/, ''), fraction: match[3] ?? '' };
}

/** "34033000000.00" → "34,033,000,000.00" */
export function groupDigits(amount) {
  const { sign, whole, fraction } = parse(amount);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + grouped + (fraction ? `.${fraction}` : '');
}

/** Moves the decimal point `places` to the left and drops trailing zeros: ("23805000000.00", 8) → "238.05". */
function shiftLeft(whole, fraction, places) {
  const padded = whole.padStart(places + 1, '0');
  const head = padded.slice(0, padded.length - places).replace(/^0+(?=\d)/, '');
  const tail = (padded.slice(padded.length - places) + fraction).replace(/0+$/, '');
  return tail ? `${head}.${tail}` : head;
}

/**
 * The amount in the units the reports use: 亿 (100,000,000) from one 亿 up,
 * 万 (10,000) from one 万 up, else as is; exact, every digit kept, trailing
 * zeros dropped. "23805000000.00" → "238.05亿", "15100000" → "1510万".
 */
export function chineseUnits(amount) {
  const { sign, whole, fraction } = parse(amount);
  if (whole.length > 8) return `${sign}${shiftLeft(whole, fraction, 8)}亿`;
  if (whole.length > 4) return `${sign}${shiftLeft(whole, fraction, 4)}万`;
  const trimmed = fraction.replace(/0+$/, '');
  return sign + whole + (trimmed ? `.${trimmed}` : '');
}

/** The amount in minor units of `digits` fraction digits, as a BigInt. */
export function toMinor(amount, digits) {
  const { sign, whole, fraction } = parse(amount);
  if (fraction.length > digits) throw new Error(`${amount} has more than ${digits} fraction digits`);
  return BigInt(sign + whole + fraction.padEnd(digits, '0'));
}

/** How many fraction digits the longest of these amounts has: the common scale to compare them at. */
export function commonScale(amounts) {
  return amounts.reduce((max, amount) => Math.max(max, parse(amount).fraction.length), 0);
}

const RATIO_STEPS = 1_000_000n;

/** part / whole as a number in [0, 1] (0 when whole is zero), computed in BigInt at a resolution of 1e-6. */
export function ratio(part, whole) {
  const scale = commonScale([part, whole]);
  const a = toMinor(part, scale);
  const b = toMinor(whole, scale);
  if (b <= 0n || a <= 0n) return 0;
  const steps = (a * RATIO_STEPS) / b;
  return Number(steps > RATIO_STEPS ? RATIO_STEPS : steps) / Number(RATIO_STEPS);
}

/**
 * part / whole as a percentage with one decimal, rounded down, exact:
 * ("450000000.00", "3000000000.00") → "15.0%"; "—" when whole is zero.
 */
export function percent(part, whole) {
  const scale = commonScale([part, whole]);
  const a = toMinor(part, scale);
  const b = toMinor(whole, scale);
  if (b <= 0n) return '—';
  const tenths = (a * 1000n) / b;
  return `${tenths / 10n}.${tenths % 10n}%`;
}

/** An amount from minor units at `digits` fraction digits: (1234n, 2) → "12.34". */
function fromMinor(minor, digits) {
  const sign = minor < 0n ? '-' : '';
  const text = (minor < 0n ? -minor : minor).toString().padStart(digits + 1, '0');
  return digits === 0 ? sign + text : `${sign}${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`;
}

/** The exact sum of two decimal strings, at the finer of their scales: ("0.10", "0.2") → "0.30". */
export function addAmounts(a, b) {
  const scale = commonScale([a, b]);
  return fromMinor(toMinor(a, scale) + toMinor(b, scale), scale);
}

/** By-currency amounts ({CUR: "…"}) added together currency by currency, never across currencies. */
export function addByCurrency(a, b) {
  const sum = { ...a };
  for (const [currency, amount] of Object.entries(b)) sum[currency] = currency in sum ? addAmounts(sum[currency], amount) : amount;
  return sum;
}

/** The larger of two decimal strings. */
export function maxAmount(a, b) {
  const scale = commonScale([a, b]);
  return toMinor(a, scale) >= toMinor(b, scale) ? a : b;
}

/** Whether the amount is above zero. */
export function isPositive(amount) {
  const { sign, whole, fraction } = parse(amount);
  return sign === '' && /[1-9]/.test(whole + fraction);
}
