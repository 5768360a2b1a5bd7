import { EVENT_CATALOGUE, type CatalogueEventType, MESSAGE_HEADERS, envelopeSchema } from './event-catalogue.js';
import { TREE_HEADS_TOPIC, TREE_HEAD_SCHEMA } from './tree-heads.js';

const CHANNELS = {
  partnerPairs: { topic: 'partner-pairs', key: 'the pair id', title: 'Partner pair events' },
  projects: { topic: 'projects', key: 'the project id', title: 'Project events' },
} as const;

/** The AsyncAPI 3 document of the ledger's topics, generated from the event catalogue. */
export function asyncApiDocument(topicPrefix = 'commitments.'): Record<string, unknown> {
  const types = Object.keys(EVENT_CATALOGUE) as CatalogueEventType[];
  const channelOf = (type: CatalogueEventType) => (EVENT_CATALOGUE[type].topic === 'projects' ? 'projects' : 'partnerPairs');
  const channels = Object.fromEntries(
    Object.entries(CHANNELS).map(([name, channel]) => [
      name,
      {
        address: topicPrefix + channel.topic,
        title: channel.title,
        description:
          `Message key: ${channel.key}, ` +
          `so one ${channel.key.replace('the ', '').replace(' id', '')}'s events stay in order in one partition. ` +
          'Delivery is at least once: deduplicate on eventId.',
        messages: Object.fromEntries(
          types.filter((type) => channelOf(type) === name).map((type) => [type, { $ref: `#/components/messages/${type}` }]),
        ),
      },
    ]),
  );
  const operations = Object.fromEntries(
    Object.keys(CHANNELS).map((name) => [
      `publish${name[0].toUpperCase()}${name.slice(1)}`,
      {
        action: 'send',
        channel: { $ref: `#/channels/${name}` },
        messages: types.filter((type) => channelOf(type) === name).map((type) => ({ $ref: `#/channels/${name}/messages/${type}` })),
      },
    ]),
  );
  const messages = Object.fromEntries(
    types.map((type) => [
      type,
      {
        name: type,
        title: `${type} v${EVENT_CATALOGUE[type].version}`,
        summary: EVENT_CATALOGUE[type].summary,
        contentType: 'application/json',
        headers: MESSAGE_HEADERS,
        // AsyncAPI reads payloads as its own schema dialect: the standalone files keep $schema and $id, the embedded copies do not.
        payload: withoutDialect(envelopeSchema(type)),
        bindings: { kafka: { key: { type: 'string', description: CHANNELS[channelOf(type)].key }, bindingVersion: '0.5.0' } },
      },
    ]),
  );
  // The signed tree heads: not events, the ledger's signed commitments to them (docs/auditing.md).
  Object.assign(channels, {
    treeHeads: {
      address: topicPrefix + TREE_HEADS_TOPIC,
      title: 'Signed tree heads',
      description:
        "Every signed tree head: the ledger's Ed25519-signed commitment to its first treeSize events (RFC 9162 Merkle root). " +
        'Message key: tree-head (one partition, in order). Delivery is at least once: deduplicate on treeSize.',
      messages: { SignedTreeHead: { $ref: '#/components/messages/SignedTreeHead' } },
    },
  });
  Object.assign(operations, {
    publishTreeHeads: {
      action: 'send',
      channel: { $ref: '#/channels/treeHeads' },
      messages: [{ $ref: '#/channels/treeHeads/messages/SignedTreeHead' }],
    },
  });
  Object.assign(messages, {
    SignedTreeHead: {
      name: 'SignedTreeHead',
      title: 'Signed tree head',
      summary: 'A signed commitment to the first treeSize ledger events',
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: { 'content-type': { const: 'application/json' }, 'tree-size': { type: 'string', description: "the head's treeSize" } },
      },
      payload: TREE_HEAD_SCHEMA,
      bindings: { kafka: { key: { type: 'string', const: 'tree-head' }, bindingVersion: '0.5.0' } },
    },
  });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Commitment ledger events',
      version: '1.0.0',
      description:
        'Every event the ledger records, published by its Kafka relay: ' +
        'envelope {eventId, type, schemaVersion, streamId, revision, position, recordedAt, data, metadata}; ' +
        'and every signed tree head {treeSize, rootHash, timestamp, keyId, signature}.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}

function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}
