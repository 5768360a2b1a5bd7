import { InvalidInput } from './errors.js';

/**
 * Free text (names, titles, reasons) as the ledger keeps it: NFC, and made
 * only of characters that show. A text that reads one way and is stored
 * another (`Evil\u202egpj.exe` shows as "Evilexe.jpg"; `Shanghai\u200b`
 * shows as "Shanghai") could pass a review it should fail, so it is refused,
 * not cleaned: the sender learns which field and which character.
 *
 * Refused: controls (Cc, tab and newline included), line and paragraph
 * separators, every format character (Cf: the bidi embeddings, overrides and
 * isolates, LRM/RLM/ALM, zero-width space, word joiner, invisible operators,
 * soft hyphen, BOM, tags), the other default-ignorable code points (variation
 * selectors, Hangul fillers, the combining grapheme joiner) and lone UTF-16
 * surrogates. Variation selectors go too: they only pick a glyph, so two
 * texts that look alike would differ underneath.
 *
 * Allowed, in one place only: ZWNJ (U+200C) and ZWJ (U+200D) between two
 * letters or marks of one script that needs them to spell correctly (Persian
 * and other Arabic-script text, Syriac, N'Ko, the Indic scripts, Sinhala).
 * There a joiner only decides whether two neighbouring letters join; it
 * carries no direction, cannot stand at either end of a text nor next to a
 * Latin or Han letter, nor next to another joiner, and `nameKey` ignores it,
 * so it can neither disguise a text nor make two names differ.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;
const JOINERS = new Set([0x200c, 0x200d]);
const JOINING_SCRIPTS = [
  'Arabic',
  'Syriac',
  'Nko',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
].map((script) => new RegExp(`^(?=[\\p{L}\\p{M}])\\p{scx=${script}}$`, 'u'));

export interface HiddenCharacter {
  /** `U+202E` */
  readonly codePoint: string;
  /** Its position in the text, counted in characters (code points) from 1. */
  readonly position: number;
}

/** The first character of `text` that does not show (see above), or null. */
export function hiddenCharacterIn(text: string): HiddenCharacter | null {
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (!HIDDEN.test(char)) continue;
    const code = char.codePointAt(0) as number;
    if (JOINERS.has(code) && joinsOneScript(chars[i - 1], chars[i + 1])) continue;
    return { codePoint: `U+${code.toString(16).toUpperCase().padStart(4, '0')}`, position: i + 1 };
  }
  return null;
}

function joinsOneScript(before: string | undefined, after: string | undefined): boolean {
  if (before === undefined || after === undefined) return false;
  return JOINING_SCRIPTS.some((script) => script.test(before) && script.test(after));
}

/** What is wrong with a text's characters, said after the field's name; null if nothing. */
export function hiddenCharacterProblem(text: string): string | null {
  const hidden = hiddenCharacterIn(text);
  return hidden === null
    ? null
    : `contains ${hidden.codePoint} at character ${hidden.position}, an invisible, control or formatting character ` +
        '(bidi controls, zero-width characters and the like are refused: the text would read differently from what is stored)';
}

/**
 * The text as the ledger stores it: NFC. Refuses (400 invisible-characters,
 * naming `field`) a text with a character that does not show. Every decider
 * passes its free-text fields through here, so no way in (HTTP, CLI import)
 * stores one.
 */
export function visibleText(field: string, text: string): string {
  const problem = hiddenCharacterProblem(text);
  if (problem !== null) throw new InvalidInput('invisible-characters', field, `${field} ${problem}`);
  return text.normalize('NFC');
}

/** `visibleText` for an optional field. */
export function visibleTextOrNull(field: string, text: string | null): string | null {
  return text === null ? null : visibleText(field, text);
}

/**
 * The form in which two names are compared for sameness (donor ≠ recipient):
 * NFKC with case folded (so `Ｓhanghai`, `SHANGHAI` and `shanghai` are one
 * name), joiners dropped, white space trimmed and collapsed. Stored text stays
 * NFC: NFKC would erase distinctions a reader of the record may need (full-
 * and half-width forms in Chinese text), but none that may tell two regions
 * apart.
 */
export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/[\u200c\u200d]/gu, '')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC')
    .trim()
    .replace(/\s+/gu, ' ');
}
