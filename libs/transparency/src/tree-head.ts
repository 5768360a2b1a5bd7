import { type KeyObject, createHash, createPublicKey, sign, verify } from 'node:crypto';
import { canonicalJson } from '#event-store';

/**
 * A signed tree head: the ledger's commitment to the first `treeSize`
 * leaves, whose Merkle root is `rootHash` (hex), made at `timestamp` (ISO
 * 8601, UTC, milliseconds) with the key `keyId` (hex SHA-256 of the public
 * key's SubjectPublicKeyInfo DER). `signature` (base64) is Ed25519 over the
 * UTF-8 bytes of the canonical JSON of the other four fields:
 *
 *   {"keyId":"…","rootHash":"…","timestamp":"…","treeSize":123}
 */
export interface SignedTreeHead {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly timestamp: string;
  readonly keyId: string;
  readonly signature: string;
}

export type UnsignedTreeHead = Omit<SignedTreeHead, 'signature'>;

/** The bytes a head's signature covers. */
export function treeHeadMessage(head: UnsignedTreeHead): Buffer {
  return Buffer.from(
    canonicalJson({ keyId: head.keyId, rootHash: head.rootHash, timestamp: head.timestamp, treeSize: head.treeSize }),
    'utf8',
  );
}

/** keyId: hex SHA-256 of the public key's SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function signTreeHead(privateKey: KeyObject, head: Omit<UnsignedTreeHead, 'keyId'>): SignedTreeHead {
  const unsigned = { ...head, keyId: keyIdOf(createPublicKey(privateKey)) };
  return { ...unsigned, signature: sign(null, treeHeadMessage(unsigned), privateKey).toString('base64') };
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** What is wrong with a value that should be a signed tree head (its shape only), or null. */
export function treeHeadShapeProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'a tree head is a JSON object';
  const head = value as Record<string, unknown>;
  if (!Number.isSafeInteger(head.treeSize) || (head.treeSize as number) < 0) return 'treeSize must be a whole number ≥ 0';
  if (typeof head.rootHash !== 'string' || !HEX_HASH.test(head.rootHash)) return 'rootHash must be 64 lowercase hex digits';
  if (typeof head.timestamp !== 'string' || Number.isNaN(Date.parse(head.timestamp))) return 'timestamp must be an ISO 8601 time';
  if (typeof head.keyId !== 'string' || !HEX_HASH.test(head.keyId)) return 'keyId must be 64 lowercase hex digits';
  if (typeof head.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(head.signature)) return 'signature must be base64';
  return null;
}

/** Whether `head` is signed by `publicKey`: its keyId names that key and the signature holds. A reason when not. */
export function checkTreeHeadSignature(head: SignedTreeHead, publicKey: KeyObject): string | null {
  const keyId = keyIdOf(publicKey);
  if (head.keyId !== keyId) return `the head names key ${head.keyId}, the public key given is ${keyId}`;
  let valid: boolean;
  try {
    valid = verify(null, treeHeadMessage(head), publicKey, Buffer.from(head.signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? null : `the signature of the head of size ${head.treeSize} does not verify with key ${keyId}`;
}
