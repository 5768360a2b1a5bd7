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
});
