import type { JsonSchema } from './event-catalogue.js';

/** The topic (after the prefix) every signed tree head is published to. */
export const TREE_HEADS_TOPIC = 'tree-heads';

const HEX_HASH = { type: 'string', pattern: '^[0-9a-f]{64}$' };

/**
 * A signed tree head as published (docs/auditing.md): the ledger's signed
 * commitment to its first treeSize events. Heads leave the building, so an
 * auditor who subscribes holds every commitment the ledger made.
 */
export const TREE_HEAD_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['treeSize', 'rootHash', 'timestamp', 'keyId', 'signature'],
  properties: {
    treeSize: { type: 'integer', minimum: 0, description: 'how many ledger events (leaves, in log order) the head covers' },
    rootHash: { ...HEX_HASH, description: 'the RFC 9162 Merkle root of the first treeSize leaves' },
    timestamp: { type: 'string', format: 'date-time', description: 'when it was signed' },
    keyId: { ...HEX_HASH, description: "hex SHA-256 of the signing key's SPKI DER (GET /audit/public-key)" },
    signature: {
      type: 'string',
      description: 'base64 Ed25519 signature over the canonical JSON {"keyId","rootHash","timestamp","treeSize"}',
    },
  },
};

export interface TreeHeadMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/** The Kafka message of a head: one key, so heads stay in order in one partition. */
export function treeHeadMessage(
  head: { treeSize: number; rootHash: string; timestamp: string; keyId: string; signature: string },
  topicPrefix: string,
): TreeHeadMessage {
  const { treeSize, rootHash, timestamp, keyId, signature } = head;
  return {
    topic: topicPrefix + TREE_HEADS_TOPIC,
    key: 'tree-head',
    value: JSON.stringify({ treeSize, rootHash, timestamp, keyId, signature }),
    headers: { 'content-type': 'application/json', 'tree-size': String(treeSize) },
  };
}
