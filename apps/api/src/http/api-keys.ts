import { createHash, randomBytes } from 'node:crypto';

export const ROLES = ['operator', 'auditor', 'reader'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the name recorded as the actor of the events they cause, and what they may do. */
export interface Principal {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
}

export interface ApiKey {
  readonly key: string;
  readonly principal: Principal;
}

const KEY = /^[A-Za-z0-9._~+/=-]{16,256}$/;
const NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export class ApiKeysError extends Error {}

/** A short, stable fingerprint of a key: names a principal without revealing the key. */
export function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Parses API_KEYS: comma-separated `role:key` or `role:name:key` entries.
 * A key listed under several roles holds all of them. The name (or, when
 * none is given, the roles and the key's fingerprint) is what events record
 * as their actor: never the key itself.
 */
export function parseApiKeys(raw: string): ApiKey[] {
  const byKey = new Map<string, { name: string | null; roles: Set<Role> }>();
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new ApiKeysError('API_KEYS is set but lists no keys; use role:key or role:name:key, comma-separated');
  entries.forEach((entry, index) => {
    const parts = entry.split(':');
    const where = `API_KEYS entry ${index + 1}`;
    if (parts.length !== 2 && parts.length !== 3) throw new ApiKeysError(`${where} must be role:key or role:name:key`);
    const role = parts[0] as Role;
    const key = parts[parts.length - 1];
    const name = parts.length === 3 ? parts[1] : null;
    if (!ROLES.includes(role)) {
      // The message is logged: name the role only when it cannot be a key (keys have 16 characters or more),
      // as when key and role are swapped.
      const named = parts[0].length < 16 ? ` ${JSON.stringify(parts[0])}` : '';
      throw new ApiKeysError(`${where} has an unknown role${named}; roles are ${ROLES.join(', ')} (role:key or role:name:key)`);
    }
    if (!KEY.test(key)) throw new ApiKeysError(`${where}: keys must be 16-256 characters of letters, digits or ._~+/=-`);
    if (name !== null && !NAME.test(name)) throw new ApiKeysError(`${where}: names must be 1-64 letters, digits or ._@-`);
    const known = byKey.get(key);
    if (known && name !== null && known.name !== null && known.name !== name) {
      throw new ApiKeysError(`${where} gives a key already named ${known.name} another name`);
    }
    if (known) {
      known.roles.add(role);
      known.name ??= name;
    } else {
      byKey.set(key, { name, roles: new Set([role]) });
    }
  });
  const names = new Set<string>();
  return [...byKey].map(([key, { name, roles }]) => {
    const principalName = name ?? `${[...roles].sort().join('+')}-${fingerprint(key)}`;
    if (names.has(principalName)) throw new ApiKeysError(`API_KEYS names two different keys ${principalName}`);
    names.add(principalName);
    return { key, principal: { name: principalName, roles } };
  });
}

/** One fresh key per role, for a session started without API_KEYS. */
export function generateApiKeys(): ApiKey[] {
  return ROLES.map((role) => ({
    key: randomBytes(24).toString('base64url'),
    principal: { name: `${role}-session`, roles: new Set([role]) },
  }));
}

/** Looks keys up by their SHA-256 digest, so lookups do not compare key strings byte by byte. */
export class ApiKeyRing {
  private readonly byDigest = new Map<string, Principal>();

  constructor(keys: readonly ApiKey[]) {
    for (const { key, principal } of keys) this.byDigest.set(digest(key), principal);
  }

  principalOf(key: string): Principal | null {
    return this.byDigest.get(digest(key)) ?? null;
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
