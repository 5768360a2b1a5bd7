import { createPublicKey, verify } from 'node:crypto';
import { Ajv } from 'ajv';
import { TREE_HEAD_SCHEMA } from '#contracts';
import { LedgerUnderTest, removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { MockKafka } from '../support/kafka/mock-kafka.js';
import { scenario } from '../support/scenario.js';

/** Heads leave the building: every signed tree head reaches the `tree-heads` topic, as its contract says. */
describe('signed tree heads on Kafka', () => {
  let kafka: MockKafka;
  let api: LedgerUnderTest;
  beforeAll(async () => {
    kafka = await MockKafka.start();
    api = await LedgerUnderTest.start(tempDataDir(), { KAFKA_BROKERS: kafka.brokers.join(',') });
  });
  afterAll(async () => {
    await api?.stop();
    await kafka?.stop();
    await removeDataDirs();
  });

  it('publishes every head, in order of size, each valid against the published schema and signed by the published key', async () => {
    const commands = scenario(2, 2);
    const heads = [];
    for (const part of [commands.slice(0, 5), commands.slice(5)]) {
      // Some of the scenario's commands are refused by the rules on purpose: the rest append events.
      for (const command of part) await api.post(command.path, command.body);
      heads.push((await api.send('POST', '/audit/tree-heads')).body);
    }
    const sizes = heads.map((head) => head.treeSize);
    const messages = await kafka.consume(['commitments.tree-heads'], (all) =>
      sizes.every((size) => all.some((m) => (m.value as unknown as { treeSize: number }).treeSize === size)),
    );
    const published = messages.map((m) => m.value as unknown as { treeSize: number });
    for (const head of heads) expect(published).toContainEqual(head);
    // In order of size, one partition.
    expect(published.map((h) => h.treeSize)).toEqual([...published.map((h) => h.treeSize)].sort((a, b) => a - b));
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(TREE_HEAD_SCHEMA);
    const { pem } = (await api.get('/audit/public-key')).body;
    for (const head of published as Array<{ treeSize: number; rootHash: string; timestamp: string; keyId: string; signature: string }>) {
      expect(validate(head)).toBe(true);
      const message = `{"keyId":"${head.keyId}","rootHash":"${head.rootHash}","timestamp":"${head.timestamp}","treeSize":${head.treeSize}}`;
      expect(verify(null, Buffer.from(message), createPublicKey(pem), Buffer.from(head.signature, 'base64'))).toBe(true);
    }
  });
});
