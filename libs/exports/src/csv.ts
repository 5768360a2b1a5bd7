/**
 * CSV cells and rows as RFC 4180 has them: fields separated by commas,
 * records by CRLF, a field holding a comma, a double quote, CR or LF is
 * enclosed in double quotes with its quotes doubled.
 *
 * Spreadsheets run a cell that starts with = + - @ (and, in some, a tab or
 * CR) as a formula: such a cell is prefixed with a single quote, so that an
 * event's text (a title, a reason, an actor) opened in a spreadsheet is shown
 * and never executed. The ledger's numeric columns never start with a sign,
 * so only text is affected; `unneutralise` undoes it for a reader that wants
 * the exact text back. A text that itself starts with quotes before such a
 * character (`'=x`) gets one more, so that undoing is never ambiguous.
 */
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^'*[=+\-@\t\r]/;
const NEUTRALISED = /^'+[=+\-@\t\r]/;

export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function unneutralise(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell;
}

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = neutralise(String(value));
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: ReadonlyArray<string | number | null | undefined>): string {
  return values.map(csvCell).join(',') + '\r\n';
}
