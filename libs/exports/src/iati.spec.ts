import { xmlEscape } from './iati.js';

describe('XML text in the IATI export', () => {
  it('escapes markup and replaces what XML 1.0 cannot carry', () => {
    expect(xmlEscape(`R&D <a href="x">'it'</a>`)).toBe('R&amp;D &lt;a href=&quot;x&quot;&gt;&apos;it&apos;&lt;/a&gt;');
    expect(xmlEscape('bell\u0007, lone \uD800 surrogate, \uFFFE')).toBe('bell\uFFFD, lone \uFFFD surrogate, \uFFFD');
    expect(xmlEscape('tab\tline\nreturn\r 研发 😀')).toBe('tab\tline\nreturn\r 研发 😀');
  });
});
