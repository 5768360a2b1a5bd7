import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, eventHash } from '#event-store';
import { type LeafFields, type LeafFilter, leafBytes } from './leaf.js';
import { RootAccumulator, leafHash, verifyConsistency } from './merkle.js';
import { type SignedTreeHead, checkTreeHeadSignature, treeHeadShapeProblem } from './tree-head.js';

/** One event of a JSON Lines export, where the verifier found it. */
export interface ExportedEvent {
  readonly line: number;
  readonly leafIndex: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number | null;
}

export interface ExportVerification {
  readonly ok: boolean;
  /** What does not hold, in one sentence naming the first event or node; null when ok. */
  readonly problem: string | null;
  readonly treeSize: number;
  /** Ledger events in the export (its leaves). */
  readonly leaves: number;
  /** The root of the export's first treeSize leaves (hex), or null if it has fewer. */
  readonly computedRoot: string | null;
  /** The first leaf where the export differs from the baseline (or, without one, the first chain break), if any. */
  readonly firstDifference: {
    readonly leafIndex: number;
    readonly reason: string;
    readonly exported: ExportedEvent | null;
    readonly baseline: ExportedEvent | null;
  } | null;
  /** The signed head the export itself ends with, checked: null when it carries none. */
  readonly trailingHead: { readonly treeSize: number; readonly ok: boolean; readonly problem: string | null } | null;
}

/** A line of the export that is not an event: the signed head it ends with. */
interface Trailer {
  readonly treeHead: SignedTreeHead;
}

type Parsed = { kind: 'event'; fields: LeafFields; position: number | null } | { kind: 'head'; head: SignedTreeHead } | { kind: 'skip' };

/** Reads one line of a JSON Lines export: an event (its leaf fields), the trailing head, or something to skip (blank line). */
export function parseExportLine(text: string, line: number): Parsed {
  if (text.trim() === '') return { kind: 'skip' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ExportFormatError(`line ${line} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ExportFormatError(`line ${line} is not a JSON object`);
  const record = value as Record<string, unknown>;
  if ('treeHead' in record) {
    const problem = treeHeadShapeProblem(record.treeHead);
    if (problem) throw new ExportFormatError(`line ${line}: the tree head ${problem}`);
    return { kind: 'head', head: (record as unknown as Trailer).treeHead };
  }
  const { eventId, streamId, revision, type, schemaVersion, data, metadata, position } = record;
  if (
    typeof eventId !== 'string' ||
    typeof streamId !== 'string' ||
    !Number.isSafeInteger(revision) ||
    typeof type !== 'string' ||
    !Number.isSafeInteger(schemaVersion) ||
    metadata === null ||
    typeof metadata !== 'object'
  )
    throw new ExportFormatError(`line ${line} is not an exported event (eventId, streamId, revision, type, schemaVersion, data, metadata)`);
  return {
    kind: 'event',
    fields: {
      id: eventId,
      streamId,
      revision: revision as number,
      type,
      schemaVersion: schemaVersion as number,
      data,
      metadata: metadata as object,
    },
    position: Number.isSafeInteger(position) ? (position as number) : null,
  };
}

export class ExportFormatError extends Error {}

interface Leaf {
  readonly hash: Buffer;
  readonly event: ExportedEvent;
}

/** The leaves of an export, in order, with the trailing head if it has one (read as the lines come). */
async function* leavesOf(
  lines: AsyncIterable<string>,
  isLeaf: LeafFilter,
  trailer: { head: SignedTreeHead | null },
): AsyncGenerator<Leaf & { fields: LeafFields }> {
  let line = 0;
  let index = 0;
  for await (const text of lines) {
    line++;
    const parsed = parseExportLine(text, line);
    if (parsed.kind === 'skip') continue;
    if (trailer.head) throw new ExportFormatError(`line ${line} follows the tree head the export ends with`);
    if (parsed.kind === 'head') {
      trailer.head = parsed.head;
      continue;
    }
    if (!isLeaf(parsed.fields)) continue;
    const { fields } = parsed;
    yield {
      hash: leafHash(leafBytes(fields)),
      fields,
      event: {
        line,
        leafIndex: index++,
        eventId: fields.id,
        streamId: fields.streamId,
        revision: fields.revision,
        position: parsed.position,
      },
    };
  }
}

const describe = (event: ExportedEvent): string =>
  `event ${event.eventId} (${event.streamId} revision ${event.revision}` +
  `${event.position === null ? '' : `, position ${event.position}`}, line ${event.line})`;

/**
 * The offline check of a JSON Lines export (GET /audit/events, `cli export`,
 * unfiltered) against a signed tree head, trusting nothing but the head and
 * the public key: the head's signature; the Merkle root of the export's
 * first treeSize ledger events, which must be the head's; every stream's
 * hash chain in the file; and, if the export ends with a signed head of its
 * own, that one too (its size is the export's leaf count, its root the
 * export's). With a `baseline` (an earlier export the same head verified),
 * the first leaf where the two differ is named. Memory: O(log n) and one
 * entry per stream.
 */
export async function verifyExport(
  lines: AsyncIterable<string>,
  head: SignedTreeHead,
  publicKey: KeyObject,
  isLeaf: LeafFilter,
  baselineLines?: AsyncIterable<string>,
): Promise<ExportVerification> {
  const signature = checkTreeHeadSignature(head, publicKey);
  const result = (fields: Omit<ExportVerification, 'ok' | 'treeSize'>): ExportVerification => ({
    ok: fields.problem === null,
    treeSize: head.treeSize,
    ...fields,
  });
  if (signature !== null) return result({ problem: signature, leaves: 0, computedRoot: null, firstDifference: null, trailingHead: null });

  const accumulator = new RootAccumulator();
  const baselineAccumulator = new RootAccumulator();
  const trailer = { head: null as SignedTreeHead | null };
  const baseline = baselineLines ? leavesOf(baselineLines, isLeaf, { head: null })[Symbol.asyncIterator]() : null;
  const chains = new Map<string, { revision: number; hash: string }>();
  let computedRoot: string | null = head.treeSize === 0 ? accumulator.root().toString('hex') : null;
  let firstDifference: ExportVerification['firstDifference'] = null;
  let chainBreak: ExportVerification['firstDifference'] = null;

  for await (const leaf of leavesOf(lines, isLeaf, trailer)) {
    accumulator.push(leaf.hash);
    if (accumulator.size === head.treeSize) computedRoot = accumulator.root().toString('hex');
    if (baseline && firstDifference === null) {
      const next = await baseline.next();
      if (next.done) {
        if (leaf.event.leafIndex < head.treeSize)
          firstDifference = { leafIndex: leaf.event.leafIndex, reason: 'not-in-baseline', exported: leaf.event, baseline: null };
      } else {
        baselineAccumulator.push(next.value.hash);
        if (!next.value.hash.equals(leaf.hash) && leaf.event.leafIndex < head.treeSize)
          firstDifference = { leafIndex: leaf.event.leafIndex, reason: 'leaf-differs', exported: leaf.event, baseline: next.value.event };
      }
    }
    // The stream's chain, as GET /audit/verify checks it: a change that was not re-chained is named here.
    const chain = chains.get(leaf.fields.streamId) ?? { revision: -1, hash: GENESIS_HASH };
    const stored = (leaf.fields.metadata as { hash?: unknown }).hash;
    if (chainBreak === null) {
      if (leaf.fields.revision !== chain.revision + 1)
        chainBreak = {
          leafIndex: leaf.event.leafIndex,
          reason: `revision-gap (expected revision ${chain.revision + 1})`,
          exported: leaf.event,
          baseline: null,
        };
      else if (stored !== undefined && stored !== eventHash(leaf.fields.streamId, leaf.fields.revision, leaf.fields, chain.hash))
        chainBreak = { leafIndex: leaf.event.leafIndex, reason: 'hash-mismatch', exported: leaf.event, baseline: null };
    }
    chains.set(leaf.fields.streamId, {
      revision: leaf.fields.revision,
      hash: typeof stored === 'string' ? stored : eventHash(leaf.fields.streamId, leaf.fields.revision, leaf.fields, chain.hash),
    });
  }
  const leaves = accumulator.size;

  let trailingHead: ExportVerification['trailingHead'] = null;
  if (trailer.head) {
    const own = trailer.head;
    const problem =
      checkTreeHeadSignature(own, publicKey) ??
      (own.treeSize !== leaves
        ? `the export ends with a head of ${own.treeSize} events but holds ${leaves}`
        : own.rootHash !== accumulator.root().toString('hex')
          ? `the export ends with a head whose root ${own.rootHash} is not the root of its events ${accumulator.root().toString('hex')}`
          : null);
    trailingHead = { treeSize: own.treeSize, ok: problem === null, problem };
  }

  if (baseline && baselineAccumulator.size < head.treeSize) {
    // Drain the baseline up to the head's size: it must itself be what the head signs, or it proves nothing.
    for (let next = await baseline.next(); !next.done && baselineAccumulator.size < head.treeSize; next = await baseline.next()) {
      baselineAccumulator.push(next.value.hash);
      if (firstDifference === null && baselineAccumulator.size - 1 >= leaves)
        firstDifference = {
          leafIndex: baselineAccumulator.size - 1,
          reason: 'missing-from-export',
          exported: null,
          baseline: next.value.event,
        };
    }
  }
  const baselineProblem =
    baseline && (baselineAccumulator.size < head.treeSize || baselineAccumulator.root().toString('hex') !== head.rootHash)
      ? 'the baseline export is not what the head signs (its first events do not give the head root): it cannot name the difference'
      : null;
  const named = baselineProblem === null ? firstDifference : null;

  let problem: string | null = null;
  if (leaves < head.treeSize) {
    problem =
      `the export holds ${leaves} ledger events, the head covers ${head.treeSize}: leaf ${leaves} ` +
      (named?.baseline ? `(${describe(named.baseline)} in the baseline) ` : '') +
      'and those after it are missing';
  } else if (computedRoot !== head.rootHash) {
    const where = named ?? chainBreak;
    problem =
      `the first ${head.treeSize} ledger events give root ${computedRoot}, the head says ${head.rootHash}` +
      (where
        ? `: the first that differs is leaf ${where.leafIndex}, ${where.exported ? describe(where.exported) : 'missing'} (${where.reason}` +
          `${where.baseline ? `; the baseline has ${describe(where.baseline)}` : ''})`
        : ': an event among them was changed, removed, added or moved (give --baseline <an export this head verified> to name it)');
  } else if (chainBreak) {
    const at = `leaf ${chainBreak.leafIndex}, ${describe(chainBreak.exported!)}`;
    problem = `the root holds, but a hash chain breaks at ${at}: ${chainBreak.reason}`;
  } else if (trailingHead && !trailingHead.ok) {
    problem = trailingHead.problem;
  }
  if (problem !== null && baselineProblem !== null) problem += `; ${baselineProblem}`;
  return result({ problem, leaves, computedRoot, firstDifference: named ?? (problem ? chainBreak : null), trailingHead });
}

/** The offline check of a consistency proof between two signed heads (both must verify with the key). */
export function verifyHeadsConsistency(
  older: SignedTreeHead,
  newer: SignedTreeHead,
  proof: { readonly from: number; readonly to: number; readonly proof: readonly string[] },
  publicKey: KeyObject,
): { ok: boolean; problem: string | null } {
  const problem =
    checkTreeHeadSignature(older, publicKey) ??
    checkTreeHeadSignature(newer, publicKey) ??
    (proof.from !== older.treeSize || proof.to !== newer.treeSize
      ? `the proof is from ${proof.from} to ${proof.to}; the heads are of ${older.treeSize} and ${newer.treeSize}`
      : null);
  if (problem) return { ok: false, problem };
  const hashes = proof.proof.map((hash) => Buffer.from(hash, 'hex'));
  const check = verifyConsistency(
    older.treeSize,
    newer.treeSize,
    Buffer.from(older.rootHash, 'hex'),
    Buffer.from(newer.rootHash, 'hex'),
    hashes,
  );
  return check.ok ? { ok: true, problem: null } : { ok: false, problem: check.problem };
}
