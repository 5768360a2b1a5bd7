import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Post,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type SignedTreeHead, publishedPublicKey } from '#transparency';
import { Access } from '../../http/access.js';
import { ApiCorrelationIdHeader, ApiErrors } from '../../http/openapi.js';
import { LedgerTransparency } from '../../infrastructure/transparency.module.js';
import { ConsistencyProofDto, InclusionProofDto, PublicKeyDto, TreeHeadDto } from './tree-heads.response.dto.js';

const SIZE = /^(0|[1-9][0-9]{0,14})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How long POST /audit/tree-heads waits for the tree to reach the store's head. */
const CATCH_UP_MS = 5000;

function invalid(field: string, problem: string): BadRequestException {
  return new BadRequestException({ code: 'invalid-request', message: `${field} ${problem}`, fields: [{ field, problems: [problem] }] });
}

function size(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && SIZE.test(value)) return Number(value);
  throw invalid(field, 'must be a non-negative whole number (a tree size)');
}

const sizeQuery = (name: string, description: string, required = false) =>
  ApiQuery({ name, required, description, schema: { type: 'integer', minimum: 0, example: 64 } });

/**
 * The verifiable ledger, for auditors: the public key heads are signed with,
 * signed tree heads, and the proofs that an event is in a tree
 * (inclusion) and that a tree is an extension of an earlier one
 * (consistency). docs/auditing.md says how to check each one offline.
 */
@ApiTags('audit')
@Access('auditor')
@Controller('audit')
export class TreeHeadsHttpController {
  constructor(private readonly transparency: LedgerTransparency) {}

  @Get('public-key')
  @ApiOperation({
    summary: 'The public key tree heads are signed with',
    description: 'Ed25519, as PEM (SPKI) and JWK, with the key id heads name. Keep a copy: the offline verifier checks heads against it.',
  })
  @ApiOkResponse({ type: PublicKeyDto })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  publicKey(): PublicKeyDto {
    return publishedPublicKey(this.transparency.key.publicKey);
  }

  @Get('tree-head')
  @ApiOperation({
    summary: 'The latest signed tree head, or the one of a given size',
    description:
      'A head commits to the first treeSize ledger events (in log order) by their Merkle root, signed with the key of ' +
      'GET /audit/public-key. One is signed every TREE_HEAD_EVERY_EVENTS events or TREE_HEAD_EVERY_MS, and on request ' +
      '(POST /audit/tree-heads). With treeSize: the head signed for exactly that size, kept for ever.',
  })
  @sizeQuery('treeSize', 'the size of an earlier head')
  @ApiOkResponse({ type: TreeHeadDto })
  @ApiErrors('invalid-request', 'invalid-header', 'tree-head-not-found', 'tree-behind')
  @ApiCorrelationIdHeader()
  async treeHead(@Query('treeSize') treeSizeParam?: unknown): Promise<SignedTreeHead> {
    const treeSize = size(treeSizeParam, 'treeSize');
    if (treeSize === undefined) return this.latestHead();
    const head = this.transparency.tree.head(treeSize);
    if (!head) throw new NotFoundException({ code: 'tree-head-not-found', message: `no tree head of size ${treeSize} was signed` });
    return head;
  }

  @Post('tree-heads')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Sign a tree head now',
    description:
      'Waits (up to 5 s) for the tree to take in every event the store holds, then answers the signed head of the whole ' +
      'tree (the one already signed if the tree has not grown since). It takes no body; one sent is parsed like any ' +
      "command's (JSON only, within BODY_LIMIT_BYTES) and ignored.",
  })
  @ApiCreatedResponse({ type: TreeHeadDto })
  @ApiErrors('invalid-header', 'invalid-body', 'payload-too-large', 'unsupported-media-type', 'tree-behind')
  @ApiCorrelationIdHeader()
  async signNow(): Promise<SignedTreeHead> {
    const head = await this.transparency.headNow(CATCH_UP_MS);
    if (head) return head;
    throw this.behind("not yet the store's head");
  }

  /** The latest signed head (one is signed if none was yet); 503 `tree-behind` if none can be signed just now. */
  private async latestHead(): Promise<SignedTreeHead> {
    const head = await this.transparency.latestHead();
    if (head) return head;
    throw this.behind('and cannot sign a head just now');
  }

  private behind(what: string): ServiceUnavailableException {
    return new ServiceUnavailableException({
      code: 'tree-behind',
      message: `the Merkle tree has reached position ${this.transparency.follower.position}, ${what}; retry shortly`,
    });
  }

  @Get('proofs/inclusion')
  @ApiOperation({
    summary: 'Prove that an event is in the tree',
    description:
      "The event's leaf index and audit path (RFC 9162 §2.1.3) to the root of the tree of treeSize leaves " +
      '(default: the latest signed head). Verify with the algorithm of RFC 9162 §2.1.3.2 and the leaf hash of the event ' +
      'as exported (docs/auditing.md).',
  })
  @ApiQuery({ name: 'eventId', required: true, description: "the event's id", schema: { type: 'string', format: 'uuid' } })
  @sizeQuery('treeSize', 'the tree size to prove inclusion in (default: the latest signed head)')
  @ApiOkResponse({ type: InclusionProofDto })
  @ApiErrors('invalid-request', 'invalid-header', 'event-not-in-tree', 'tree-size-not-reached', 'tree-behind')
  @ApiCorrelationIdHeader()
  async inclusion(@Query('eventId') eventId?: unknown, @Query('treeSize') treeSizeParam?: unknown): Promise<InclusionProofDto> {
    if (typeof eventId !== 'string' || !UUID.test(eventId)) throw invalid('eventId', 'must be an event id (a UUID)');
    const { tree } = this.transparency;
    const treeSize = this.reachable(size(treeSizeParam, 'treeSize') ?? (await this.latestHead()).treeSize);
    const leaf = tree.leafOfEvent(eventId);
    if (!leaf || leaf.leafIndex >= treeSize)
      throw new NotFoundException({
        code: 'event-not-in-tree',
        message: `event ${eventId} is not in the tree of ${treeSize} leaves (not a ledger event, or appended since)`,
      });
    return {
      eventId,
      leafIndex: leaf.leafIndex,
      position: leaf.position,
      treeSize,
      leafHash: leaf.hash.toString('hex'),
      rootHash: tree.root(treeSize).toString('hex'),
      auditPath: tree.inclusionProof(leaf.leafIndex, treeSize).map((hash) => hash.toString('hex')),
      treeHead: tree.head(treeSize),
    };
  }

  @Get('proofs/consistency')
  @ApiOperation({
    summary: 'Prove that the tree only grew between two sizes',
    description:
      'The consistency proof (RFC 9162 §2.1.4) between the trees of `from` and `to` leaves (default `to`: the latest ' +
      'signed head). With the two signed heads, `npm run cli -- verify-consistency` checks it offline.',
  })
  @sizeQuery('from', 'the older tree size (an earlier head)', true)
  @sizeQuery('to', 'the newer tree size (default: the latest signed head)')
  @ApiOkResponse({ type: ConsistencyProofDto })
  @ApiErrors('invalid-request', 'invalid-header', 'tree-size-not-reached', 'tree-behind')
  @ApiCorrelationIdHeader()
  async consistency(@Query('from') fromParam?: unknown, @Query('to') toParam?: unknown): Promise<ConsistencyProofDto> {
    const from = size(fromParam, 'from');
    if (from === undefined) throw invalid('from', 'is required: the size of the older tree head');
    const { tree } = this.transparency;
    const to = this.reachable(size(toParam, 'to') ?? (await this.latestHead()).treeSize);
    if (from > to) throw invalid('from', `must not be larger than to (${to})`);
    return { from, to, proof: tree.consistencyProof(from, to).map((hash) => hash.toString('hex')) };
  }

  private reachable(treeSize: number): number {
    const held = this.transparency.tree.size();
    if (treeSize > held)
      throw new NotFoundException({ code: 'tree-size-not-reached', message: `the tree holds ${held} leaves, not ${treeSize} yet` });
    return treeSize;
  }
}
