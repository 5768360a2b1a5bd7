import { ApiProperty } from '@nestjs/swagger';

const HEX_HASH = { type: 'string' as const, pattern: '^[0-9a-f]{64}$' };
const HASHES = { type: 'array', items: HEX_HASH } as const;

export class TreeHeadDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'how many leaves (ledger events, in log order) the head covers', example: 69 })
  treeSize!: number;

  @ApiProperty({ ...HEX_HASH, description: 'the Merkle root (RFC 9162 §2.1) of the first treeSize leaves, hex' })
  rootHash!: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'when the head was signed' })
  timestamp!: string;

  @ApiProperty({ ...HEX_HASH, description: "hex SHA-256 of the signing key's SubjectPublicKeyInfo DER (GET /audit/public-key)" })
  keyId!: string;

  @ApiProperty({
    type: 'string',
    format: 'byte',
    description: 'base64 Ed25519 signature over the canonical JSON {"keyId","rootHash","timestamp","treeSize"} (docs/auditing.md)',
  })
  signature!: string;
}

export class PublicKeyDto {
  @ApiProperty({ ...HEX_HASH, description: 'the key id heads name: hex SHA-256 of the SPKI DER' })
  keyId!: string;

  @ApiProperty({ enum: ['Ed25519'] })
  algorithm!: 'Ed25519';

  @ApiProperty({
    description: 'the public key, PEM (SPKI)',
    example: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA…\n-----END PUBLIC KEY-----\n',
  })
  pem!: string;

  @ApiProperty({
    type: 'object',
    description: 'the public key as a JWK (RFC 8037: kty OKP, crv Ed25519, x), with kid = keyId',
    properties: {
      kty: { type: 'string', example: 'OKP' },
      crv: { type: 'string', example: 'Ed25519' },
      x: { type: 'string' },
      kid: { type: 'string' },
      alg: { type: 'string', example: 'EdDSA' },
      use: { type: 'string', example: 'sig' },
    },
  })
  jwk!: object;
}

export class InclusionProofDto {
  @ApiProperty({ type: 'string', format: 'uuid' })
  eventId!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: "the event's leaf index: its place among the ledger events in log order (not its position)",
  })
  leafIndex!: number;

  @ApiProperty({ type: 'integer', minimum: 1, description: "the event's global position in the store when the tree took it in" })
  position!: number;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'the size of the tree the path leads to the root of' })
  treeSize!: number;

  @ApiProperty({ ...HEX_HASH, description: 'SHA-256(0x00 ‖ leaf bytes) of the event' })
  leafHash!: string;

  @ApiProperty({ ...HEX_HASH, description: 'the root of the tree of treeSize leaves' })
  rootHash!: string;

  @ApiProperty({ ...HASHES, description: 'the audit path (RFC 9162 §2.1.3.1), leaf end first' })
  auditPath!: string[];

  // Inline rather than a $ref: in OpenAPI 3.0 `nullable` does not reach into an allOf'd reference.
  @ApiProperty({
    type: 'object',
    nullable: true,
    selfRequired: true,
    description: 'the signed head of treeSize, if one was signed',
    required: ['treeSize', 'rootHash', 'timestamp', 'keyId', 'signature'],
    properties: {
      treeSize: { type: 'integer', minimum: 0 },
      rootHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      timestamp: { type: 'string', format: 'date-time' },
      keyId: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      signature: { type: 'string', format: 'byte' },
    },
  })
  treeHead!: TreeHeadDto | null;
}

export class ConsistencyProofDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'the older tree size' })
  from!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'the newer tree size' })
  to!: number;

  @ApiProperty({ ...HASHES, description: 'the consistency proof (RFC 9162 §2.1.4.1); empty when from is 0 or equals to' })
  proof!: string[];
}
