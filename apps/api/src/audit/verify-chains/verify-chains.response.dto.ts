import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ChainBreakDto {
  @ApiProperty({ example: 'project-sm-graphite-anode' })
  streamId!: string;

  @ApiProperty({ description: 'the revision of the first event whose chain does not hold', example: 2 })
  revision!: number;

  @ApiProperty({ format: 'uuid' })
  eventId!: string;

  @ApiProperty({ description: 'its global position', example: 4 })
  position!: number;

  @ApiProperty({
    enum: ['hash-mismatch', 'revision-gap', 'hash-missing'],
    description:
      'hash-mismatch: the stored hash is not the hash of the event as stored (it, or a legacy event before it, was changed); ' +
      'revision-gap: the event does not follow the previous one of its stream (events were removed); ' +
      'hash-missing: an event without a hash after hashed ones',
  })
  reason!: 'hash-mismatch' | 'revision-gap' | 'hash-missing';

  @ApiProperty({ description: 'the recomputed hash, or the revision that should come next', example: 'revision 1' })
  expected!: string;

  @ApiProperty({ description: 'what is stored', example: 'revision 2' })
  found!: string;
}

export class ChainVerificationDto {
  @ApiProperty({ description: 'true when every chain verified holds' })
  ok!: boolean;

  @ApiProperty({ description: 'streams verified' })
  streams!: number;

  @ApiProperty({ description: 'events verified' })
  events!: number;

  @ApiProperty({ description: 'events stored before hashes existed (no hash in their metadata); the chain runs through them' })
  legacy!: number;

  @ApiProperty({ description: 'legacy events no later hashed event vouches for yet: changes to them cannot be detected' })
  legacyUnchained!: number;

  @ApiProperty({ description: 'streams with a break' })
  brokenStreams!: number;

  @ApiPropertyOptional({ type: ChainBreakDto, nullable: true, description: 'the first break in global order, or null' })
  firstBreak!: ChainBreakDto | null;
}
