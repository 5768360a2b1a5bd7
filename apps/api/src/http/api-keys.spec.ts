import { createHash, randomBytes } from 'node:crypto';
import { ApiKeyRing, ApiKeysError, parseApiKeys } from './api-keys.js';

const KEY = 'Xk3-secret-key-0123456789';

function refusal(raw: string): string {
  try {
    parseApiKeys(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiKeysError);
    return (error as Error).message;
  }
  throw new Error(`API_KEYS=${raw} was accepted`);
}

describe('parseApiKeys', () => {
  it('reads role:key and role:name:key, a key under several roles holding them all', () => {
    const keys = parseApiKeys(`operator:li.wei:${KEY},auditor:${KEY},reader:reader-key-0123456789`);
    const ring = new ApiKeyRing(keys);
    expect(ring.principalOf(KEY)).toEqual({ name: 'li.wei', roles: new Set(['operator', 'auditor']) });
    expect(ring.principalOf('reader-key-0123456789')?.roles).toEqual(new Set(['reader']));
    expect(ring.principalOf('Bearer')).toBeNull();
  });

  it('never repeats a key in its refusals, also when key and role are swapped (the message ends up in logs)', () => {
    const swapped = refusal(`${KEY}:operator`);
    expect(swapped).not.toContain(KEY);
    expect(swapped).toMatch(/entry 1.*roles are operator, auditor, reader/);
    expect(refusal(`${KEY}:li.wei:operator`)).not.toContain(KEY);
    expect(refusal(`operator:${KEY}:li.wei`)).not.toContain(KEY);
    // A short value cannot be a key (keys are at least 16 characters): a misspelt role is named, to help.
    expect(refusal(`operater:${KEY}`)).toContain('"operater"');
  });

  it.each([
    ['one character repeated', 'aaaaaaaaaaaaaaaa', 'is one character repeated'],
    ['too few different characters', 'abcabcabcabcabcab', 'uses only 3 different characters (at least 8)'],
    ['seven different characters', 'aabbccddeeffggab', 'uses only 7 different characters'],
    ['a short sequence repeated', 'Secret-12Secret-12', 'repeats a sequence of 9 characters'],
    ['a run of consecutive characters', 'abcdefghijklmnop', 'is a run of consecutive characters'],
    ['a run downwards', 'zyxwvutsrqponmlkj', 'is a run of consecutive characters'],
  ])('refuses a key that is easy to guess (%s), saying why without repeating it', (_, key, why) => {
    const message = refusal(`reader:${KEY},operator:ops:${key}`);
    expect(message).toContain('API_KEYS entry 2: the key is too easy to guess: it ' + why);
    expect(message).not.toContain(key);
  });

  it('accepts varied keys: the ones the tests use, and a random one', () => {
    for (const key of [KEY, 'harness-key-0123456789abcdef', 'dashboard+reader/key=0123456789', randomBytes(24).toString('base64url')])
      expect(parseApiKeys(`reader:${key}`)).toHaveLength(1);
  });

  it('gives a nameless key a random actor, never derived from the key, new at every start', () => {
    const first = parseApiKeys(`operator:${KEY},auditor:${KEY},reader:named:reader-key-0123456789`);
    const second = parseApiKeys(`operator:${KEY},auditor:${KEY}`);
    expect(first[0]).toMatchObject({
      unnamedEntry: 1,
      principal: { name: expect.stringMatching(/^auditor\+operator-unnamed-[0-9a-f]{8}$/) },
    });
    expect(first[1].unnamedEntry).toBeUndefined();
    expect(second[0].principal.name).not.toBe(first[0].principal.name);
    const digest = createHash('sha256').update(KEY).digest('hex');
    for (const { principal } of [...first, ...second]) {
      // No 8 consecutive hex digits of the key's digest, wherever they might be taken from.
      for (let i = 0; i + 8 <= digest.length; i++) expect(principal.name).not.toContain(digest.slice(i, i + 8));
    }
  });
});
