import { ApiProperty } from '@nestjs/swagger';
import type { TreeVerification } from '#transparency';

const HASH = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

export class ChainVerificationDto {
  @ApiProperty({ description: 'true when every chain verified holds' })
  ok!: boolean;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'streams verified', example: 15 })
  streams!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'events verified', example: 69 })
  events!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'events stored before hashes existed (no hash in their metadata); the chain runs through them by their computed hash',
    example: 0,
  })
  legacy!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'legacy events no later hashed event vouches for yet: a change to them cannot be detected',
    example: 0,
  })
  legacyUnchained!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'streams with a break', example: 0 })
  brokenStreams!: number;

  // Inline rather than a $ref: in OpenAPI 3.0 `nullable` does not reach into an allOf'd reference.
  @ApiProperty({
    type: 'object',
    nullable: true,
    selfRequired: true,
    description: 'the first break in log order, or null',
    required: ['streamId', 'revision', 'eventId', 'position', 'reason', 'expected', 'found'],
    properties: {
      streamId: { type: 'string', example: 'project-sm-graphite-anode' },
      revision: { type: 'integer', minimum: 0, description: 'the revision of the first event whose chain does not hold', example: 2 },
      eventId: { type: 'string', format: 'uuid' },
      position: { type: 'integer', minimum: 1, description: 'its global position', example: 4 },
      reason: {
        type: 'string',
        enum: ['hash-mismatch', 'revision-gap', 'hash-missing'],
        description:
          'hash-mismatch: the stored hash is not the hash of the event as stored (it, or a legacy event before it, was changed); ' +
          'revision-gap: the event does not follow the previous one of its stream (events were removed); ' +
          'hash-missing: an event without a hash after hashed ones',
      },
      expected: {
        type: 'string',
        description: `the recomputed hash (${HASH.pattern}), or for a gap the revision that should come next`,
        example: 'revision 1',
      },
      found: { type: 'string', description: "the stored hash ('none' if missing), or for a gap the revision found", example: 'revision 2' },
    },
  })
  firstBreak!: {
    streamId: string;
    revision: number;
    eventId: string;
    position: number;
    reason: 'hash-mismatch' | 'revision-gap' | 'hash-missing';
    expected: string;
    found: string;
  } | null;

  @ApiProperty({
    type: 'object',
    nullable: true,
    selfRequired: true,
    description:
      'the check against every signed tree head (null when one stream is verified): each signature with the current key, ' +
      'each root recomputed from the ledger events as stored, and the first leaf that differs from what the tree recorded',
    required: ['ok', 'heads', 'latestHead', 'leaves', 'firstBadHead', 'firstDifference'],
    properties: {
      ok: { type: 'boolean' },
      heads: { type: 'integer', minimum: 0, description: 'signed heads checked' },
      latestHead: {
        type: 'object',
        nullable: true,
        description: 'the largest head checked',
        required: ['treeSize', 'rootHash', 'timestamp', 'keyId', 'signature'],
        properties: {
          treeSize: { type: 'integer', minimum: 0 },
          rootHash: HASH,
          timestamp: { type: 'string', format: 'date-time' },
          keyId: HASH,
          signature: { type: 'string', format: 'byte' },
        },
      },
      leaves: { type: 'integer', minimum: 0, description: 'ledger events read (the leaves, in log order)' },
      firstBadHead: {
        type: 'object',
        nullable: true,
        description: 'the smallest head the events no longer bear out',
        required: ['treeSize', 'timestamp', 'keyId', 'reason', 'detail'],
        properties: {
          treeSize: { type: 'integer', minimum: 0 },
          timestamp: { type: 'string', format: 'date-time' },
          keyId: HASH,
          reason: {
            type: 'string',
            enum: ['signature-invalid', 'root-mismatch'],
            description:
              'signature-invalid: not signed by the current key (the key was replaced, or the head forged); ' +
              'root-mismatch: the first treeSize ledger events as stored do not give its root (changed, removed, reordered)',
          },
          detail: { type: 'string' },
        },
      },
      firstDifference: {
        type: 'object',
        nullable: true,
        description: 'the first leaf where the events as stored differ from what the tree recorded when it took them in',
        required: ['leafIndex', 'reason', 'expected', 'found'],
        properties: {
          leafIndex: { type: 'integer', minimum: 0 },
          reason: {
            type: 'string',
            enum: ['leaf-mismatch', 'leaf-missing'],
            description: 'leaf-mismatch: another or a changed event is at this index; leaf-missing: the log ends before it',
          },
          expected: {
            type: 'object',
            nullable: true,
            description: 'what the tree recorded at this index',
            properties: { eventId: { type: 'string' }, position: { type: 'integer' }, leafHash: HASH },
          },
          found: {
            type: 'object',
            nullable: true,
            description: 'the event at this index now',
            properties: {
              eventId: { type: 'string' },
              position: { type: 'integer' },
              streamId: { type: 'string' },
              revision: { type: 'integer' },
              leafHash: HASH,
            },
          },
        },
      },
    },
  })
  treeHeads!: TreeVerification | null;
}
