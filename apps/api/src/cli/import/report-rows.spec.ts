import { parseMoney } from '#domain';
import { type RowProblem, formatProblem, parseReportCsv } from './report-rows.js';

const HEADER =
  'kind,pairId,parentPairId,projectId,id,corrects,date,amount,currency,jobs,milestone,title,sector,capitalKind,' +
  'donor,donorLevel,recipient,recipientLevel,programme,reason';

/** A CSV with the header above; each row given as its non-empty cells by column name. */
function csv(...rows: Array<Record<string, string>>): string {
  const columns = HEADER.split(',');
  const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  return [HEADER, ...rows.map((row) => columns.map((c) => quote(row[c] ?? '')).join(','))].join('\n') + '\n';
}

const pair = {
  kind: 'pair',
  pairId: 'shanghai-sanming',
  donor: 'Shanghai Municipality',
  donorLevel: 'province',
  recipient: 'Sanming City',
  recipientLevel: 'city',
  programme: 'paired-cooperation',
};
const signing = {
  kind: 'signing',
  pairId: 'shanghai-sanming',
  projectId: 'graphite',
  title: 'Graphite anode',
  sector: 'new-materials',
  capitalKind: 'investment',
  amount: '30亿',
  date: '2024-05-07',
};

function parse(text: string) {
  return parseReportCsv(text, { defaultCurrency: 'CNY' });
}

function problems(text: string): string[] {
  return parse(text).problems.map(formatProblem);
}

describe('the report-figures CSV', () => {
  it('turns every kind of row into the command it records, with exact amounts', () => {
    const { rows, problems } = parse(
      csv(
        pair,
        {
          kind: 'pair',
          pairId: 'sub',
          parentPairId: 'shanghai-sanming',
          donor: 'A',
          donorLevel: 'city',
          recipient: 'B',
          recipientLevel: 'county',
          programme: 'paired-assistance',
          date: '2023-01-01',
        },
        signing,
        { kind: 'disbursement', projectId: 'graphite', id: 't1', amount: '1510万', date: '2024-06-01' },
        { kind: 'jobs', projectId: 'graphite', jobs: '1,200', date: '2024-07-01', id: 'q3' },
        { kind: 'milestone', projectId: 'graphite', milestone: 'landed', date: '2024-06-15' },
        { kind: 'pledge-revision', projectId: 'graphite', amount: '238.05亿', date: '2024-08-01', reason: 'scope grew', id: 'r1' },
        {
          kind: 'disbursement-correction',
          projectId: 'graphite',
          corrects: 't1',
          amount: '0',
          date: '2024-08-15',
          reason: 'never arrived',
          id: 'fix1',
        },
        {
          kind: 'jobs-correction',
          projectId: 'graphite',
          corrects: 'q3',
          jobs: '1,150',
          date: '2024-08-16',
          reason: 'counted twice',
          id: 'fix2',
        },
        { kind: 'cancellation', projectId: 'graphite', date: '2024-09-01', reason: 'investor withdrew' },
      ),
    );
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.line, r.kind, r.command.type])).toEqual([
      [2, 'pair', 'RegisterPartnerPair'],
      [3, 'pair', 'RegisterPartnerPair'],
      [4, 'signing', 'SignProject'],
      [5, 'disbursement', 'DisburseFunds'],
      [6, 'jobs', 'RecordJobs'],
      [7, 'milestone', 'ReachMilestone'],
      [8, 'pledge-revision', 'RevisePledge'],
      [9, 'disbursement-correction', 'CorrectDisbursement'],
      [10, 'jobs-correction', 'CorrectJobsReport'],
      [11, 'cancellation', 'CancelProject'],
    ]);
    expect(rows[0].command.data).toEqual({
      pairId: 'shanghai-sanming',
      donor: { name: 'Shanghai Municipality', level: 'province' },
      recipient: { name: 'Sanming City', level: 'city' },
      programme: 'paired-cooperation',
      parentPairId: null,
      establishedOn: null,
    });
    expect(rows[1].command.data).toMatchObject({ parentPairId: 'shanghai-sanming', establishedOn: '2023-01-01' });
    expect(rows[2].command.data).toEqual({
      projectId: 'graphite',
      pairId: 'shanghai-sanming',
      title: 'Graphite anode',
      sector: 'new-materials',
      capitalKind: 'investment',
      pledged: parseMoney({ amount: '3000000000.00', currency: 'CNY' }),
      signedOn: '2024-05-07',
      occasion: null,
      investor: null,
    });
    expect(rows[3].command.data).toEqual({
      projectId: 'graphite',
      disbursementId: 't1',
      amount: { minor: 1_510_000_000n, currency: 'CNY' },
      disbursedOn: '2024-06-01',
    });
    expect(rows[4].command.data).toEqual({ projectId: 'graphite', reportId: 'q3', jobs: 1200, reportedOn: '2024-07-01' });
    expect(rows[6].command.data).toMatchObject({ revisionId: 'r1', pledged: { minor: 2_380_500_000_000n, currency: 'CNY' } });
    expect(rows[7].command.data).toEqual({
      projectId: 'graphite',
      correctionId: 'fix1',
      disbursementId: 't1',
      amount: { minor: 0n, currency: 'CNY' },
      reason: 'never arrived',
      correctedOn: '2024-08-15',
    });
    expect(rows[8].command.data).toEqual({
      projectId: 'graphite',
      correctionId: 'fix2',
      reportId: 'q3',
      jobs: 1150,
      reason: 'counted twice',
      correctedOn: '2024-08-16',
    });
  });

  it('accepts columns in any order, left out when unused, a BOM, comments, CRLF, quoted cells and blank rows', () => {
    const text =
      '\ufeff# figures from the 2024 report\r\n' +
      'kind,amount,projectId,date,id\r\n' +
      '\r\n' +
      'disbursement,"1,234.56",graphite,2024-06-01,t1\r\n' +
      ',,,,\r\n' +
      'disbursement,12万,graphite,2024-06-02,t2\r\n';
    const { rows, problems } = parse(text);
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.line, (r.command.data as { amount: { minor: bigint } }).amount.minor])).toEqual([
      [4, 123456n],
      [6, 12_000_000n],
    ]);
  });

  it('uses the currency column, else the default currency', () => {
    const text = 'kind,projectId,id,date,amount,currency\ndisbursement,p,t1,2024-06-01,5,USD\ndisbursement,p,t2,2024-06-01,5,\n';
    expect(
      parseReportCsv(text, { defaultCurrency: 'EUR' }).rows.map(
        (r) => (r.command.data as { amount: { currency: string } }).amount.currency,
      ),
    ).toEqual(['USD', 'EUR']);
  });

  it('derives the same id for the same figure, however it is spelt, and a different one for another figure', () => {
    const ids = (text: string) => parse(text).rows.map((r) => (r.command.data as { disbursementId: string }).disbursementId);
    const [first] = ids(csv({ kind: 'disbursement', projectId: 'graphite', amount: '1510万', date: '2024-06-01' }));
    const [again] = ids(csv({ kind: 'disbursement', projectId: 'graphite', amount: '15,100,000.00', currency: 'CNY', date: '2024-06-01' }));
    const [other] = ids(csv({ kind: 'disbursement', projectId: 'graphite', amount: '1510万', date: '2024-06-02' }));
    expect(first).toMatch(/^csv-[0-9a-f]{24}$/);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('lists every problem of every row with its line and column, in the API’s words where the API has a rule', () => {
    expect(
      problems(
        csv(
          { ...signing, amount: '-5亿', sector: 'New Materials' },
          { kind: 'disbursement', projectId: 'graphite', amount: '1.234', date: '2024-06-01' },
          { kind: 'disbursement', projectId: 'graphite', amount: 'lots', date: '2024-02-30', currency: 'XYZ' },
          { kind: 'disbursement', projectId: 'graphite', amount: '', date: '2024-06-01' },
          { kind: 'jobs', projectId: 'graphite', jobs: '12.5', date: '2024-06-01' },
          { kind: 'jobs', projectId: 'graphite', jobs: '0', date: '2024-06-01' },
          { kind: 'milestone', projectId: 'graphite', milestone: 'opened', date: '2024-06-01' },
          { kind: 'milestone', projectId: 'Graphite', milestone: 'landed', date: '2024-06-01' },
          { kind: 'transfer', projectId: 'graphite' },
          { kind: '', projectId: 'graphite' },
          { kind: 'cancellation', projectId: 'graphite', date: '2024-06-01', amount: '5' },
          { ...pair, donorLevel: 'planet', recipient: '' },
          { kind: 'disbursement', projectId: 'graphite', amount: '0', date: '2024-06-01' },
          { kind: 'disbursement-correction', projectId: 'graphite', corrects: 'T1', amount: '-1', date: '2024-06-01', reason: 'x' },
        ),
      ),
    ).toEqual([
      'line 2, column amount: "-5亿" must not be negative',
      'line 2, column sector: sector must be lowercase words joined by dashes, such as "new-materials" (at most 64)',
      'line 3, column amount: "1.234" has 3 decimal places; CNY amounts have at most 2',
      'line 4, column currency: "XYZ" is not a supported ISO 4217 code such as CNY',
      'line 4, column date: date must be a real calendar date written YYYY-MM-DD',
      'line 5, column amount: is required for disbursement rows',
      'line 6, column jobs: "12.5" is not a whole number',
      'line 7, column jobs: jobs must be at least 1',
      'line 8, column milestone: milestone must be one of landed, construction-started, in-production, completed',
      "line 9, column projectId: must match ^[a-z0-9][a-z0-9._-]{0,127}$ (lowercase letters, digits, '.', '_', '-'; at most 128)",
      'line 10, column kind: "transfer" is not a kind; it must be one of pair, signing, disbursement, jobs, milestone, ' +
        'pledge-revision, disbursement-correction, jobs-correction, cancellation',
      'line 11, column kind: is empty; it must be one of pair, signing, disbursement, jobs, milestone, ' +
        'pledge-revision, disbursement-correction, jobs-correction, cancellation',
      'line 12, column amount: is not used by cancellation rows; leave it empty',
      'line 12, column reason: is required for cancellation rows',
      'line 13, column recipient: is required for pair rows',
      'line 13, column donorLevel: donorLevel must be one of province, prefecture, city, county, district, zone',
      'line 14, column amount: "0" must be greater than zero',
      "line 15, column corrects: must match ^[a-z0-9][a-z0-9._-]{0,127}$ (lowercase letters, digits, '.', '_', '-'; at most 128)",
      'line 15, column amount: "-1" must not be negative',
    ]);
  });

  it('refuses a second row with the same derived id: two equal tranches need ids of their own', () => {
    const row = { kind: 'disbursement', projectId: 'graphite', amount: '1510万', date: '2024-06-01' };
    expect(problems(csv(row, { ...row, amount: '15100000' }))).toEqual([
      'line 3, column id: repeats line 2 (the same projectId, date, amount, currency); ' +
        'if both happened, give each its own id in the id column, else delete one',
    ]);
    expect(problems(csv({ ...row, id: 't1' }, { ...row, id: 't2' }))).toEqual([]);
  });

  it('remembers which pairs and projects a refused row would have created', () => {
    const { refusedCreations } = parse(
      csv({ ...pair, programme: 'friendship' }, { ...signing, title: '' }, { ...signing, projectId: 'other' }),
    );
    expect([...refusedCreations]).toEqual([
      ['pair:shanghai-sanming', 2],
      ['project:graphite', 3],
    ]);
  });

  it.each([
    ['', 'line 1: the file is empty: it needs a header row and at least one row'],
    ['kind,amount\n', 'line 1: the file has a header but no rows'],
    ['kind,amount,colour\ndisbursement,5,red\n', 'line 1: unknown column "colour"'],
    ['kind,date,date\n', 'line 1, column date: column date appears twice'],
    ['projectId,amount\np,5\n', 'line 1: the header needs a kind column'],
    [
      'kind,projectId,date,amount\ndisbursement,p,2024-01-01,5\ndisbursement,p,2024-01-01,5,6\n',
      'line 3: has 5 cells but the header has 4',
    ],
    ['kind,title\nsigning,"unclosed\n', 'not readable as CSV'],
  ])('refuses the file %j as a whole where it cannot be read', (text, expected) => {
    const found = problems(text);
    expect(found).toEqual([expect.stringContaining(expected)]);
  });

  it('counts lines as an editor shows them, also after a cell that spans lines', () => {
    // The quoted title spans lines 2 and 3 (and, like the API, refuses a line break in a title); the next row is line 4.
    const text = csv({ ...signing, title: 'Two\nlines' }) + csv({ ...signing, projectId: 'x', amount: 'bad' }).split('\n')[1] + '\n';
    const found: RowProblem[] = parse(text).problems;
    expect(found.map((p) => [p.line, p.column])).toEqual([
      [2, 'title'],
      [4, 'amount'],
    ]);
  });

  it('counts lines as an editor shows them in a Windows file too (BOM, CRLF, a cell spanning lines with CRLF)', () => {
    const lf = csv({ ...signing, title: 'Two\nlines' }, { ...signing, projectId: 'x', amount: 'bad' }).split('\n');
    // header, a row spanning lines 2-3, a comment, an empty line, a bad row on line 6, another on line 7.
    const text = '\uFEFF' + [lf[0], lf[1], lf[2], '# checked by the region', '', lf[3], lf[3].replace(',x,', ',y,')].join('\r\n') + '\r\n';
    expect(parse(text).problems.map((p) => [p.line, p.column])).toEqual([
      [2, 'title'],
      [6, 'amount'],
      [7, 'amount'],
    ]);
  });
});
