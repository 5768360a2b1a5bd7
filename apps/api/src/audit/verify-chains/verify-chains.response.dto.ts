import { ApiProperty } from '@nestjs/swagger';

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
}
