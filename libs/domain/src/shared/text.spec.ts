import { type RegisterPartnerPair, initialPartnerPairState, registerPartnerPair } from '../partner-pairs/partner-pair.js';
import { decideProject } from '../projects/project.decider.js';
import { signProject } from '../projects/commands/sign-project.js';
import { initialProjectState } from '../projects/project.state.js';
import { pairDetails, registeredPair, signing } from '../testing/fixtures.js';
import { InvalidInput, RuleViolation } from './errors.js';
import { hiddenCharacterIn, nameKey, visibleText } from './text.js';

const register = (donor: string, recipient: string): RegisterPartnerPair => ({
  type: 'RegisterPartnerPair',
  data: pairDetails({ donor: { name: donor, level: 'province' }, recipient: { name: recipient, level: 'province' } }),
});

/** The refusal a call throws, as field and code. */
function refusal(decide: () => unknown): { field: string; code: string } | null {
  try {
    decide();
    return null;
  } catch (error) {
    if (!(error instanceof InvalidInput)) throw error;
    return { field: error.field, code: error.code };
  }
}

describe('text that cannot deceive', () => {
  it.each([
    ['a right-to-left override', 'Evil\u202egpj.exe', 'U+202E', 5],
    ['a zero-width space', 'Shanghai\u200b', 'U+200B', 9],
    ['a left-to-right mark', '\u200eSanming', 'U+200E', 1],
    ['an Arabic letter mark', 'a\u061cb', 'U+061C', 2],
    ['a first-strong isolate', 'a\u2068b\u2069', 'U+2068', 2],
    ['a word joiner', 'San\u2060ming', 'U+2060', 4],
    ['a soft hyphen', 'San\u00adming', 'U+00AD', 4],
    ['a byte order mark', '\ufeffSanming', 'U+FEFF', 1],
    ['a tag character', 'flag\u{e0067}', 'U+E0067', 5],
    ['a variation selector', 'heart\ufe0f', 'U+FE0F', 6],
    ['a Hangul filler', 'a\u3164b', 'U+3164', 2],
    ['a tab', 'a\tb', 'U+0009', 2],
    ['a lone surrogate', 'a\ud800b', 'U+D800', 2],
    ['a zero-width joiner between Latin letters', 'Shang\u200dhai', 'U+200D', 6],
    ['a zero-width non-joiner at the end of Persian text', 'خانه\u200c', 'U+200C', 5],
    ['a joiner between two scripts', 'ه\u200cm', 'U+200C', 2],
  ])('finds %s', (_, text, codePoint, position) => {
    expect(hiddenCharacterIn(text)).toEqual({ codePoint, position });
  });

  it.each([
    ['Latin with accents', 'Café Ürümqi'],
    ['Chinese, full-width punctuation and an ideographic space', '上海市（浦东）　三明'],
    ['Persian with a zero-width non-joiner between letters', 'خانه\u200cها'],
    ['Devanagari with a zero-width joiner after a virama', 'क्\u200dष'],
    ['Malayalam with a zero-width non-joiner', 'ക\u200cമ'],
  ])('allows %s', (_, text) => {
    expect(hiddenCharacterIn(text)).toBeNull();
  });

  it('stores NFC: a decomposed é is composed', () => {
    expect(visibleText('title', 'Cafe\u0301')).toBe('Caf\u00e9');
  });

  it('compares names as they read: NFKC, case folded, joiners and spacing ignored', () => {
    expect(nameKey('Ｓhanghai')).toBe(nameKey('shanghai'));
    expect(nameKey(' SHANGHAI  Municipality ')).toBe(nameKey('Shanghai Municipality'));
    expect(nameKey('Straße')).toBe(nameKey('STRASSE'));
    expect(nameKey('خانه\u200cها')).toBe(nameKey('خانهها'));
    expect(nameKey('Shanghai')).not.toBe(nameKey('Sanming'));
  });
});

describe('the deciders refuse hidden characters themselves (the CLI import reaches them too)', () => {
  it('refuses a zero-width recipient, naming the field', () => {
    expect(refusal(() => registerPartnerPair(register('Shanghai', 'Shanghai\u200b'), initialPartnerPairState, null))).toEqual({
      field: 'recipient.name',
      code: 'invisible-characters',
    });
  });

  it('refuses a bidi override in a donor name, naming the field', () => {
    expect(refusal(() => registerPartnerPair(register('Evil\u202egpj.exe', 'Sanming'), initialPartnerPairState, null))).toEqual({
      field: 'donor.name',
      code: 'invisible-characters',
    });
  });

  it('refuses a full-width donor that is the recipient', () => {
    expect(() => registerPartnerPair(register('Ｓhanghai', 'shanghai'), initialPartnerPairState, null)).toThrow(RuleViolation);
  });

  it('records names and titles NFC', () => {
    const pair = registerPartnerPair(register('Ko\u0308ln', 'Sanming'), initialPartnerPairState, null);
    expect(pair).toMatchObject({ events: [{ data: { donor: { name: 'K\u00f6ln' } } }] });
    const project = signProject(signing({ title: 'Cafe\u0301', investor: 'Re\u0301my' }), initialProjectState, registeredPair());
    expect(project).toMatchObject({ events: [{ data: { title: 'Caf\u00e9', investor: 'R\u00e9my' } }] });
  });

  it.each([
    ['title', signing({ title: 'a\u200bb' })],
    ['occasion', signing({ occasion: '\u202eoccasion' })],
    ['investor', signing({ investor: 'investor\u2066' })],
  ])('refuses a hidden character in a signing’s %s', (field, command) => {
    expect(refusal(() => signProject(command, initialProjectState, registeredPair()))).toEqual({ field, code: 'invisible-characters' });
  });

  it('refuses a hidden character in a reason', () => {
    const cancel = {
      type: 'CancelProject',
      data: { projectId: 'graphite-anode', reason: 'gone\u200b', cancelledOn: '2024-09-01' },
    } as const;
    expect(refusal(() => decideProject(cancel, initialProjectState))).toEqual({ field: 'reason', code: 'invisible-characters' });
  });
});
