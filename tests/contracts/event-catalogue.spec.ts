import { readFileSync } from 'node:fs';
import asyncApiSpecs from '@asyncapi/specs';
import { Ajv } from 'ajv';
import { join } from 'node:path';
import { projectRoot } from '#api/project-root';
import { EVENT_CATALOGUE, asyncApiDocument, contractFiles, envelopeProblem, toMessage } from '#contracts';
import { type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';
import { scenario } from '../support/scenario.js';

describe('the published event contract', () => {
  it('is checked in exactly as generated from the event catalogue (run `npm run contracts` after changing it)', () => {
    for (const [path, content] of Object.entries(contractFiles())) {
      expect([path, readFileSync(join(projectRoot(), path), 'utf8')]).toEqual([path, content]);
    }
  });

  it('is a valid AsyncAPI 3.0.0 document, by the official JSON Schema', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(asyncApiSpecs.schemasWithoutId['3.0.0'] as object);
    const valid = validate(asyncApiDocument());
    expect(valid ? 'valid' : ajv.errorsText(validate.errors)).toBe('valid');
    // And a broken one is not: the check can fail.
    expect(validate({ ...asyncApiDocument(), channels: { projects: { address: 42 } } })).toBe(false);
  });

  it('describes the event topics with every event type, and the tree heads topic, in an AsyncAPI 3 document', () => {
    const document = asyncApiDocument() as {
      asyncapi: string;
      channels: Record<string, { address: string; messages: object }>;
      components: { messages: object };
    };
    expect(document.asyncapi).toBe('3.0.0');
    expect(
      Object.values(document.channels)
        .map((c) => c.address)
        .sort(),
    ).toEqual(['commitments.partner-pairs', 'commitments.projects', 'commitments.tree-heads']);
    const inChannels = Object.values(document.channels).flatMap((c) => Object.keys(c.messages));
    // Every event type, and the signed tree heads (not an event: the ledger's commitment to them).
    expect(inChannels.sort()).toEqual([...Object.keys(EVENT_CATALOGUE), 'SignedTreeHead'].sort());
    expect(Object.keys(document.components.messages).sort()).toEqual([...Object.keys(EVENT_CATALOGUE), 'SignedTreeHead'].sort());
  });

  describe('against what the ledger really publishes', () => {
    const ledger = ledgerPerSuite();
    let api: LedgerUnderTest;
    beforeAll(async () => {
      api = ledger();
      for (const command of scenario(3, 5)) await api.post(command.path, command.body);
    });

    it("every published envelope validates against its event type's schema", async () => {
      const events = await api.events.readAll({ maxCount: 100_000 });
      const types = new Set(events.map((event) => event.type));
      expect([...types].sort()).toEqual(Object.keys(EVENT_CATALOGUE).sort());
      for (const event of events) {
        const envelope = JSON.parse(toMessage(event, 'commitments.')?.value ?? 'null');
        expect([event.type, envelopeProblem(envelope)]).toEqual([event.type, null]);
      }
    });

    it('refuses an envelope that breaks the schema', async () => {
      const [event] = (await api.events.readAll({ maxCount: 100_000 })).filter((e) => e.type === 'FundsDisbursed');
      const envelope = JSON.parse(toMessage(event, 'commitments.')?.value ?? 'null');
      expect(envelopeProblem({ ...envelope, data: { ...envelope.data, amount: { amount: 12.5, currency: 'CNY' } } })).toContain('amount');
      expect(envelopeProblem({ ...envelope, data: { ...envelope.data, extra: true } })).toContain('additional');
      expect(envelopeProblem({ ...envelope, type: 'FundsVanished' })).toContain('unknown event type');
    });
  });
});
