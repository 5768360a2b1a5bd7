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
  /**
   * For a key listed without a name: the API_KEYS entry (1-based) that first lists it. Its principal's name is
   * then random, made for this process (never derived from the key), and start-up logs it once with the roles.
   */
  readonly unnamedEntry?: number;
}

const KEY = /^[A-Za-z0-9._~+/=-]{16,256}$/;
const NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export class ApiKeysError extends Error {}

/** The fewest different characters a key may have. */
export const MIN_DISTINCT_KEY_CHARACTERS = 8;

/**
 * Why a key is too easy to guess, or null. Checked at start-up, so the reason names no part of the key:
 * one character repeated, fewer than MIN_DISTINCT_KEY_CHARACTERS different characters, a shorter sequence
 * repeated, or a run of consecutive characters (abcdefghijklmnop, 9876543210…).
 */
export function weakKeyProblem(key: string): string | null {
  const characters = [...key];
  const distinct = new Set(characters).size;
  if (distinct === 1) return 'is one character repeated';
  if (distinct < MIN_DISTINCT_KEY_CHARACTERS) return `uses only ${distinct} different characters (at least ${MIN_DISTINCT_KEY_CHARACTERS})`;
  for (let period = 1; period <= characters.length / 2; period++) {
    if (characters.every((character, i) => i < period || character === characters[i - period]))
      return `repeats a sequence of ${period} characters`;
  }
  const steps = new Set(characters.slice(1).map((character, i) => character.codePointAt(0)! - characters[i].codePointAt(0)!));
  if (steps.size === 1 && (steps.has(1) || steps.has(-1))) return 'is a run of consecutive characters';
  return null;
}

const RANDOM_KEY_HINT = 'use a random key, e.g. `openssl rand -base64 24`';

/**
 * Parses API_KEYS: comma-separated `role:key` or `role:name:key` entries.
 * A key listed under several roles holds all of them. The name is what
 * events record as their actor: never the key itself. A key without a name
 * gets a random one for this process (`operator-unnamed-3fa2c1d0`), never
 * derived from the key: nothing computed from a key leaves the process.
 * Keys that are easy to guess are refused, saying why.
 */
export function parseApiKeys(raw: string): ApiKey[] {
  const byKey = new Map<string, { name: string | null; roles: Set<Role>; entry: number }>();
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
    const weakness = weakKeyProblem(key);
    if (weakness !== null) throw new ApiKeysError(`${where}: the key is too easy to guess: it ${weakness}; ${RANDOM_KEY_HINT}`);
    if (name !== null && !NAME.test(name)) throw new ApiKeysError(`${where}: names must be 1-64 letters, digits or ._@-`);
    const known = byKey.get(key);
    if (known && name !== null && known.name !== null && known.name !== name) {
      throw new ApiKeysError(`${where} gives a key already named ${known.name} another name`);
    }
    if (known) {
      known.roles.add(role);
      known.name ??= name;
    } else {
      byKey.set(key, { name, roles: new Set([role]), entry: index + 1 });
    }
  });
  const names = new Set<string>();
  for (const { name } of byKey.values()) {
    if (name !== null && names.has(name)) throw new ApiKeysError(`API_KEYS names two different keys ${name}`);
    if (name !== null) names.add(name);
  }
  return [...byKey].map(([key, { name, roles, entry }]) => {
    if (name !== null) return { key, principal: { name, roles } };
    let actor: string;
    do actor = unnamedActor(roles);
    while (names.has(actor));
    names.add(actor);
    return { key, principal: { name: actor, roles }, unnamedEntry: entry };
  });
}

/** A nameless key's actor for this process: its roles and 8 random hex digits (32 random bits: no two alike in practice). */
function unnamedActor(roles: ReadonlySet<Role>): string {
  return `${[...roles].sort().join('+')}-unnamed-${randomBytes(4).toString('hex')}`;
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
