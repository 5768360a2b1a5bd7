import { LEDGER_UPCASTERS, currentSchemaVersion } from '../event-versions.js';
import { UnknownSchemaVersion, UpcasterRegistry } from './upcasting.js';

describe('upcaster registry', () => {
  const registry = new UpcasterRegistry()
    .register('Renamed', 1, (data: { name: string }) => ({ title: data.name }))
    .register('Renamed', 2, (data: { title: string }) => ({ title: data.title, lang: 'zh' }));

  it('brings an event up to the current version one step at a time, and leaves the current version alone', () => {
    expect(registry.currentVersion('Renamed')).toBe(3);
    expect(registry.upcast('Renamed', 1, { name: 'a' })).toEqual({ version: 3, data: { title: 'a', lang: 'zh' } });
    expect(registry.upcast('Renamed', 2, { title: 'b' })).toEqual({ version: 3, data: { title: 'b', lang: 'zh' } });
    const current = { title: 'c', lang: 'en' };
    expect(registry.upcast('Renamed', 3, current).data).toBe(current);
  });

  it('treats a type with no upcasters as version 1', () => {
    expect(registry.currentVersion('Anything')).toBe(1);
    expect(registry.upcast('Anything', 1, { x: 1 })).toEqual({ version: 1, data: { x: 1 } });
  });

  it('fails loudly on a version from the future, zero, or a gap in the chain', () => {
    expect(() => registry.upcast('Renamed', 4, {})).toThrow(UnknownSchemaVersion);
    expect(() => registry.upcast('Anything', 2, {})).toThrow(
      'Anything schema version 2 cannot be read: this release reads versions 1 to 1',
    );
    expect(() => registry.upcast('Renamed', 0, {})).toThrow(UnknownSchemaVersion);
    const gappy = new UpcasterRegistry().register('G', 2, (d) => d);
    expect(() => gappy.upcast('G', 1, {})).toThrow(UnknownSchemaVersion);
    expect(() => registry.register('Renamed', 1, (d) => d)).toThrow('already registered');
  });

  it('PledgeRevised is at v2: a v1 revision without a revisionId gets null, one with an id keeps it', () => {
    expect(currentSchemaVersion('PledgeRevised')).toBe(2);
    expect(currentSchemaVersion('FundsDisbursed')).toBe(1);
    const v1 = {
      projectId: 'p',
      pairId: 'q',
      pledged: { amount: '2.00', currency: 'CNY' },
      previousPledged: { amount: '1.00', currency: 'CNY' },
      reason: 'r',
      revisedOn: '2024-01-01',
    };
    expect(LEDGER_UPCASTERS.upcast('PledgeRevised', 1, v1).data).toEqual({ ...v1, revisionId: null });
    expect(LEDGER_UPCASTERS.upcast('PledgeRevised', 1, { ...v1, revisionId: 'rev-1' }).data).toEqual({ ...v1, revisionId: 'rev-1' });
  });
});
