import { readFileSync } from 'node:fs';
import { loadConfig } from '#api/config';
import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { type ParsedActivity, minorUnits, parseIatiActivities, validateIatiActivities } from '../support/iati.js';
import { type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';

const demo = JSON.parse(readFileSync(new URL('../../demo/paired-assistance.json', import.meta.url), 'utf8')) as {
  commands: Array<{ path: string; body: unknown }>;
};

const DIGITS: Record<string, number> = { CNY: 2, USD: 2 };

/** Sums transactions of one type per currency, exactly. */
function sums(activities: ParsedActivity[], type: '2' | '3'): Record<string, bigint> {
  const total: Record<string, bigint> = {};
  for (const activity of activities) {
    for (const t of activity.transactions.filter((t) => t.type === type))
      total[t.currency] = (total[t.currency] ?? 0n) + minorUnits(t.value, DIGITS[t.currency]);
  }
  return total;
}

/** The ledger's figures `{CNY: "1200.00"}` in minor units. */
function figures(perCurrency: Record<string, string>): Record<string, bigint> {
  return Object.fromEntries(Object.entries(perCurrency).map(([currency, amount]) => [currency, minorUnits(amount, DIGITS[currency])]));
}

/**
 * GET /partner-pairs/:pairId/iati: a pair's projects as IATI 2.03 activity
 * XML, checked by xmllint against the official schema, and its values
 * against the ledger's own figures.
 */
describe('GET /partner-pairs/:pairId/iati', () => {
  const ledger = ledgerPerSuite({ IATI_REPORTING_ORG_REF: 'CN-TEST-1', IATI_REPORTING_ORG_NAME: 'Audit & Co <test>' });
  let api: LedgerUnderTest;
  let last = 0;
  const TITLE = `R&D <phase 1> "A" 'B' 研发 ]]> &amp;`;

  async function ok(path: string, body: unknown): Promise<void> {
    const reply = await api.post(path, body);
    expect([path, reply.status]).toEqual([path, 201]);
    last = reply.body.position;
  }

  beforeAll(async () => {
    api = ledger();
    for (const command of demo.commands) expect((await api.post(command.path, command.body)).status).toBe(201);
    await ok('/partner-pairs', pairBody('iati-root', { establishedOn: '2020-01-01' }));
    await ok('/partner-pairs', pairBody('iati-sub', { parentPairId: 'iati-root' }));
    await ok('/partner-pairs', pairBody('iati-empty'));
    // A: revised up, then down; two tranches; active.
    await ok('/projects', projectBody('iati-a', 'iati-root', '1000.00', { title: TITLE, occasion: 'Joint meeting' }));
    await ok('/projects/iati-a/pledge-revisions', {
      revisionId: 'a-r1',
      pledged: { amount: '1500.00', currency: 'CNY' },
      reason: 'expanded',
      revisedOn: '2024-06-01',
    });
    await ok('/projects/iati-a/disbursements', disbursementBody('a-t1', '300.00', '2024-07-01'));
    await ok('/projects/iati-a/pledge-revisions', {
      revisionId: 'a-r2',
      pledged: { amount: '1200.00', currency: 'CNY' },
      reason: 'scaled back',
      revisedOn: '2024-08-01',
    });
    await ok('/projects/iati-a/disbursements', disbursementBody('a-t2', '200.50', '2024-09-01'));
    await ok('/projects/iati-a/disbursements/a-t1/corrections', {
      correctionId: 'a-t1-c1',
      amount: { amount: '250.00', currency: 'CNY' },
      reason: 'entered wrongly',
      correctedOn: '2024-10-01',
    });
    // B: in USD, completed.
    await ok('/projects', projectBody('iati-b', 'iati-root', '500', { pledged: { amount: '500', currency: 'USD' } }));
    await ok('/projects/iati-b/disbursements', {
      disbursementId: 'b-t1',
      amount: { amount: '100.00', currency: 'USD' },
      disbursedOn: '2024-06-15',
    });
    await ok('/projects/iati-b/milestones', { milestone: 'completed', reachedOn: '2025-05-01' });
    // C: cancelled after a tranche.
    await ok('/projects', projectBody('iati-c', 'iati-root', '800.00'));
    await ok('/projects/iati-c/disbursements', disbursementBody('iati-c-t1', '50.00', '2024-06-20'));
    await ok('/projects/iati-c/cancellation', { reason: 'investor withdrew', cancelledOn: '2024-12-01' });
    // D: in the sub-pair, with a named investor.
    await ok('/projects', projectBody('iati-d', 'iati-sub', '300.00', { investor: 'Investor & Sons' }));
  });

  async function iati(path: string) {
    const reply = await api.get<string>(path);
    expect([path, reply.status]).toEqual([path, 200]);
    expect(reply.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const xml = reply.body;
    const validation = await validateIatiActivities(xml);
    expect([path, validation.errors]).toEqual([path, []]);
    expect(validation.valid).toBe(true);
    return { xml, activities: parseIatiActivities(xml), headers: reply.headers };
  }

  it('exports the demo data as valid IATI 2.03, its values adding up to the pair summary', async () => {
    for (const pairId of ['shanghai-sanming', 'fujian-changji', 'zhejiang-aksu']) {
      const summary = (await api.get(`/partner-pairs/${pairId}/summary?minPosition=${last}`)).body;
      const projects = (await api.get(`/partner-pairs/${pairId}/projects`)).body.projects;
      if (projects.length === 0) continue;
      const { activities, headers } = await iati(`/partner-pairs/${pairId}/iati`);
      expect(headers.get('content-disposition')).toBe(`attachment; filename="iati-activities-${pairId}.xml"`);
      expect(activities.map((a) => a.identifier).sort()).toEqual(
        projects.map((p: { projectId: string }) => `CN-TEST-1-${p.projectId}`).sort(),
      );
      expect(
        sums(
          activities.filter((a) => a.status !== '5'),
          '2',
        ),
      ).toEqual(figures(summary.own.pledged));
      expect(sums(activities, '3')).toEqual(figures(summary.own.delivered));
    }
    const graphite = (await iati('/partner-pairs/shanghai-sanming/iati')).activities.find(
      (a) => a.identifier === 'CN-TEST-1-sm-2024-graphite-anode',
    )!;
    expect(graphite.roles).toEqual({ '1': 'Shanghai Municipality', '4': 'A Shanghai new materials company' });
    expect(graphite.transactions).toEqual([
      expect.objectContaining({ type: '2', date: '2024-05-07', value: '3000000000.00', currency: 'CNY', valueDate: '2024-05-07' }),
    ]);
  });

  it('maps revisions, tranches, completion and cancellation, with exact values that add up to the ledger', async () => {
    const { xml, activities } = await iati(`/partner-pairs/iati-root/iati?minPosition=${last}`);
    expect(xml).toContain('<reporting-org ref="CN-TEST-1" type="10"><narrative>Audit &amp; Co &lt;test&gt;</narrative></reporting-org>');
    const byId = Object.fromEntries(activities.map((a) => [a.identifier.replace('CN-TEST-1-', ''), a]));
    expect(Object.keys(byId).sort()).toEqual(['iati-a', 'iati-b', 'iati-c']);

    const a = byId['iati-a'];
    expect(a.title).toBe(TITLE);
    expect(a.status).toBe('2');
    expect(a.dates).toEqual({ '2': '2024-05-07' });
    expect(a.roles).toEqual({ '1': 'Donor of iati-root', '4': 'Recipient of iati-root' });
    expect(a.transactions.map((t) => [t.type, t.date, t.value, t.currency, t.valueDate])).toEqual([
      ['2', '2024-05-07', '1000.00', 'CNY', '2024-05-07'],
      ['2', '2024-06-01', '500.00', 'CNY', '2024-06-01'],
      ['3', '2024-07-01', '250.00', 'CNY', '2024-07-01'],
      ['2', '2024-08-01', '-300.00', 'CNY', '2024-08-01'],
      ['3', '2024-09-01', '200.50', 'CNY', '2024-09-01'],
    ]);
    expect(a.transactions[3].description).toBe('Pledge revised from 1500.00 to 1200.00 CNY: scaled back');
    // A corrected tranche is reported at its corrected amount, the correction told in its description.
    expect(a.transactions[2].description).toBe('Tranche a-t1, corrected from 300.00 to 250.00 CNY on 2024-10-01: entered wrongly');

    expect(byId['iati-b']).toMatchObject({ status: '3', dates: { '2': '2024-05-07', '4': '2025-05-01' }, defaultCurrency: 'USD' });
    expect(byId['iati-b'].transactions.map((t) => [t.type, t.value, t.currency])).toEqual([
      ['2', '500.00', 'USD'],
      ['3', '100.00', 'USD'],
    ]);
    expect(byId['iati-c']).toMatchObject({ status: '5', dates: { '2': '2024-05-07', '4': '2024-12-01' } });
    expect(byId['iati-c'].transactions.map((t) => [t.type, t.value])).toEqual([
      ['2', '800.00'],
      ['3', '50.00'],
    ]);

    // The ledger's pledged counts the current pledge of projects not cancelled; delivered, every tranche.
    const summary = (await api.get('/partner-pairs/iati-root/summary')).body;
    expect(summary.own.pledged).toEqual({ CNY: '1200.00', USD: '500.00' });
    expect(summary.own.delivered).toEqual({ CNY: '500.50', USD: '100.00' });
    expect(
      sums(
        activities.filter((x) => x.status !== '5'),
        '2',
      ),
    ).toEqual(figures(summary.own.pledged));
    expect(sums(activities, '3')).toEqual(figures(summary.own.delivered));

    const tree = await iati('/partner-pairs/iati-root/iati?includeSubPairs=true');
    expect(tree.headers.get('content-disposition')).toBe('attachment; filename="iati-activities-iati-root-with-sub-pairs.xml"');
    const d = tree.activities.find((x) => x.identifier === 'CN-TEST-1-iati-d')!;
    expect(d.roles).toEqual({ '1': 'Donor of iati-sub', '4': 'Investor & Sons' });
    expect(tree.activities).toHaveLength(4);
    expect(
      sums(
        tree.activities.filter((x) => x.status !== '5'),
        '2',
      ),
    ).toEqual(figures(summary.total.pledged));
    expect(sums(tree.activities, '3')).toEqual(figures(summary.total.delivered));
  });

  it('is checked by the schema for real: a document missing a required element is refused', async () => {
    const { xml } = await iati('/partner-pairs/iati-root/iati');
    const broken = await validateIatiActivities(xml.replace(/<activity-status code="\d"\/>/, ''));
    expect(broken.valid).toBe(false);
    expect(broken.errors.join('\n')).toContain('activity-date');
  });

  it('answers 404 for an unknown pair or one without projects, 400 for bad parameters', async () => {
    expect((await api.get('/partner-pairs/no-such-pair/iati')).body).toMatchObject({ statusCode: 404, code: 'pair-not-found' });
    expect((await api.get('/partner-pairs/iati-empty/iati')).body).toMatchObject({ statusCode: 404, code: 'pair-has-no-projects' });
    expect((await api.get('/partner-pairs/iati-root/iati?includeSubPairs=yes')).body).toMatchObject({
      statusCode: 400,
      code: 'invalid-request',
    });
    expect((await api.get('/partner-pairs/Not%20An%20Id/iati')).body).toMatchObject({ statusCode: 400, code: 'invalid-request' });
  });
});

describe('the IATI reporting organisation', () => {
  it('comes from IATI_REPORTING_ORG_REF / _NAME / _TYPE, with a documented default, and bad values are refused at start-up', () => {
    expect(loadConfig({ API_KEYS: 'auditor:a:key-0123456789abcdef' }).iatiReportingOrg).toEqual({
      ref: 'XX-COMMITMENT-LEDGER',
      name: 'Paired-assistance commitment ledger',
      type: '10',
    });
    expect(
      loadConfig({
        API_KEYS: 'auditor:a:key-0123456789abcdef',
        IATI_REPORTING_ORG_REF: 'CN-USCC-1234',
        IATI_REPORTING_ORG_NAME: ' Fujian office ',
        IATI_REPORTING_ORG_TYPE: '15',
      }).iatiReportingOrg,
    ).toEqual({
      ref: 'CN-USCC-1234',
      name: 'Fujian office',
      type: '15',
    });
    expect(() => loadConfig({ API_KEYS: 'auditor:a:key-0123456789abcdef', IATI_REPORTING_ORG_REF: 'no hyphen or spaces' })).toThrow(
      'IATI_REPORTING_ORG_REF',
    );
    expect(() => loadConfig({ API_KEYS: 'auditor:a:key-0123456789abcdef', IATI_REPORTING_ORG_REF: 'LEDGER' })).toThrow(
      'IATI_REPORTING_ORG_REF',
    );
    expect(() => loadConfig({ API_KEYS: 'auditor:a:key-0123456789abcdef', IATI_REPORTING_ORG_NAME: 'bad\u0007name' })).toThrow(
      'IATI_REPORTING_ORG_NAME',
    );
    expect(() => loadConfig({ API_KEYS: 'auditor:a:key-0123456789abcdef', IATI_REPORTING_ORG_TYPE: 'government' })).toThrow(
      'IATI_REPORTING_ORG_TYPE',
    );
  });
});
