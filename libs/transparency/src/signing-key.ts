import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { keyIdOf } from './tree-head.js';

export interface TreeSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyId: string;
  /** True when this call created the file. */
  readonly created: boolean;
}

/**
 * The Ed25519 key tree heads are signed with, from a PKCS#8 PEM file. When
 * the file does not exist it is generated and written with mode 0600
 * (`warn` is told: production keeps the key elsewhere, e.g. a secret mount,
 * never beside the events it vouches for). Two processes starting together
 * on one DATA_DIR end up with the same key: the file appears atomically
 * (written aside, then hard-linked into place, which fails if it exists).
 */
export function loadOrCreateSigningKey(file: string, warn: (message: string) => void = () => undefined): TreeSigningKey {
  let created = false;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    const aside = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(aside, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(aside, file);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(aside);
    }
  }
  const privateKey = createPrivateKey(readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`the tree signing key ${file} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key; it must be Ed25519`);
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  if (created)
    warn(
      `generated a new tree signing key ${file} (key id ${keyId}). Tree heads are only as trustworthy as this key: ` +
        'in production keep it outside DATA_DIR (TREE_SIGNING_KEY_FILE, e.g. a secret mount), back it up, and publish its public key.',
    );
  return { privateKey, publicKey, keyId, created };
}

/** An Ed25519 public key from a PEM file (SPKI, or a private key's PEM, whose public half is taken). */
export function readPublicKey(file: string): KeyObject {
  const pem = readFileSync(file, 'utf8');
  const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} holds a ${key.asymmetricKeyType ?? 'unknown'} key, not an Ed25519 one`);
  return key;
}

/** The public key as published: PEM (SPKI) and JWK (RFC 8037 OKP), with its key id. */
export function publishedPublicKey(publicKey: KeyObject): { keyId: string; algorithm: 'Ed25519'; pem: string; jwk: object } {
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    algorithm: 'Ed25519',
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...publicKey.export({ format: 'jwk' }), kid: keyId, alg: 'EdDSA', use: 'sig' },
  };
}
