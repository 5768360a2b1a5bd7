import { randomUUID } from 'node:crypto';
import { pairBody, projectBody } from '../support/fixtures.js';
import { type Reply, ledgerPerSuite } from '../support/ledger-harness.js';

/**
 * Text that cannot deceive, against the real API: names and texts are stored
 * NFC; a bidi control or an invisible character is refused with a 400 that
 * names the field, and nothing is appended; donor ≠ recipient compares names
 * as they read; what is already stored reads back as stored.
 */
describe('text that cannot deceive', () => {
  const ledger = ledgerPerSuite();

  /** Sends a command that must be refused with a 400 naming `field`, and checks nothing was appended. */
  async function refusedNaming(field: string, send: () => Promise<Reply>): Promise<Reply> {
    const head = await ledger().head();
    const reply = await send();
    expect({ status: reply.status, code: reply.body.code, fields: reply.body.fields?.map((f: { field: string }) => f.field) }).toEqual({
      status: 400,
      code: 'invalid-request',
      fields: [field],
    });
    expect(await ledger().head()).toBe(head);
    return reply;
  }

  beforeAll(async () => {
    expect((await ledger().post('/partner-pairs', pairBody('text-pair'))).status).toBe(201);
  });

  it('refuses a recipient that is the donor with a zero-width space appended, naming the field', async () => {
    const body = pairBody('zw-pair', {
      donor: { name: 'Shanghai', level: 'province' },
      recipient: { name: 'Shanghai\u200b', level: 'province' },
    });
    const reply = await refusedNaming('recipient.name', () => ledger().post('/partner-pairs', body));
    expect(reply.body.fields[0].problems[0]).toContain('U+200B at character 9');
  });

  it.each([
    ['donor.name', '/partner-pairs', () => pairBody('bidi-pair', { donor: { name: 'Evil\u202egpj.exe', level: 'province' } })],
    ['title', '/projects', () => projectBody('bidi-project', 'text-pair', '10', { title: 'Evil\u202egpj.exe' })],
    ['investor', '/projects', () => projectBody('bidi-project', 'text-pair', '10', { investor: 'ACME\u2066 Ltd\u2069' })],
    ['reason', '/projects/bidi-none/cancellation', () => ({ reason: 'withdrawn\u00ad', cancelledOn: '2025-01-15' })],
  ])('refuses an invisible or bidi character in %s', async (field, path, body) => {
    await refusedNaming(field, () => ledger().post(path, body()));
  });

  it('compares donor and recipient as they read: a full-width Ｓhanghai is Shanghai', async () => {
    const reply = await ledger().post(
      '/partner-pairs',
      pairBody('fullwidth-pair', { donor: { name: 'Shanghai', level: 'province' }, recipient: { name: 'Ｓhanghai', level: 'province' } }),
    );
    expect([reply.status, reply.body.code]).toEqual([422, 'donor-is-recipient']);
  });

  it('stores a decomposed é composed (NFC), and a retry sent decomposed is the same command', async () => {
    const decomposed = 'Cafe\u0301 de Sanming';
    const body = projectBody('nfc-project', 'text-pair', '10', { title: decomposed });
    expect((await ledger().post('/projects', body)).status).toBe(201);
    const events = (await ledger().get('/projects/nfc-project/history')).body.events;
    expect(events[0].data.title).toBe('Caf\u00e9 de Sanming');
    expect(events[0].data.title).not.toBe(decomposed);
    expect((await ledger().post('/projects', body)).status).toBe(200);
  });

  it('allows a zero-width non-joiner inside Persian text, where it cannot hide anything', async () => {
    const reply = await ledger().post('/partner-pairs', pairBody('persian-pair', { recipient: { name: 'خانه\u200cها', level: 'city' } }));
    expect(reply.status).toBe(201);
    await refusedNaming('recipient.name', () =>
      ledger().post('/partner-pairs', pairBody('latin-zwnj-pair', { recipient: { name: 'Sanm\u200cing', level: 'city' } })),
    );
  });

  it('reads an event stored before the rule exactly as it was stored', async () => {
    const meta = { correlationId: 'before-the-rule', causationId: 'before-the-rule', actor: 'legacy' };
    const details = {
      pairId: 'old-pair',
      donor: { name: 'Old\u200bDonor', level: 'province' },
      recipient: { name: 'Old Recipient', level: 'city' },
      programme: 'paired-assistance',
      parentPairId: null,
      establishedOn: null,
    };
    await ledger().events.stored.appendToStream('partner-pair-old-pair', [
      { id: randomUUID(), type: 'PartnerPairRegistered', schemaVersion: 1, data: details, metadata: meta },
    ]);
    const pairs = (await ledger().get(`/partner-pairs?minPosition=${await ledger().head()}`)).body.pairs;
    expect(pairs.find((pair: { pairId: string }) => pair.pairId === 'old-pair').donor.name).toBe('Old\u200bDonor');
  });
});
