import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { projectRoot } from '#api/project-root';

const SCHEMA_DIR = join(projectRoot(), 'vendor/iati-2.03');
const schemaFile = (fileName: string) => ({ fileName, contents: readFileSync(join(SCHEMA_DIR, fileName), 'utf8') });

/** Validates a document with xmllint against the official IATI 2.03 activity schema vendored in vendor/iati-2.03. */
export async function validateIatiActivities(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const result = await validateXML({
    xml: { fileName: 'export.xml', contents: xml },
    schema: schemaFile('iati-activities-schema.xsd'),
    preload: [schemaFile('iati-common.xsd'), schemaFile('xml.xsd')],
    maxMemoryPages: 4096,
  });
  return { valid: result.valid, errors: result.errors.map((error) => error.rawMessage) };
}

export interface ParsedTransaction {
  readonly type: string;
  readonly date: string;
  readonly value: string;
  readonly currency: string;
  readonly valueDate: string;
  readonly description: string;
}

export interface ParsedActivity {
  readonly identifier: string;
  readonly title: string;
  readonly status: string;
  readonly dates: Record<string, string>;
  readonly roles: Record<string, string>;
  readonly defaultCurrency: string;
  readonly transactions: ParsedTransaction[];
}

export function xmlUnescape(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function one(pattern: RegExp, text: string): string {
  const match = pattern.exec(text);
  if (!match) throw new Error(`${pattern} not found in ${text.slice(0, 200)}`);
  return xmlUnescape(match[1]);
}

/** Reads the activities of an export the ledger wrote (its own regular layout; the schema check is xmllint's). */
export function parseIatiActivities(xml: string): ParsedActivity[] {
  return [...xml.matchAll(/<iati-activity [^>]*>[\s\S]*?<\/iati-activity>/g)].map(([activity]) => ({
    identifier: one(/<iati-identifier>(.*?)<\/iati-identifier>/, activity),
    title: one(/<title><narrative>(.*?)<\/narrative><\/title>/, activity),
    status: one(/<activity-status code="(\d)"\/>/, activity),
    dates: Object.fromEntries([...activity.matchAll(/<activity-date type="(\d)" iso-date="([0-9-]+)"\/>/g)].map((m) => [m[1], m[2]])),
    roles: Object.fromEntries(
      [...activity.matchAll(/<participating-org role="(\d)"><narrative>(.*?)<\/narrative><\/participating-org>/g)].map((m) => [
        m[1],
        xmlUnescape(m[2]),
      ]),
    ),
    defaultCurrency: one(/default-currency="([A-Z]{3})"/, activity),
    transactions: [...activity.matchAll(/<transaction [^>]*>[\s\S]*?<\/transaction>/g)].map(([transaction]) => ({
      type: one(/<transaction-type code="(\d)"\/>/, transaction),
      date: one(/<transaction-date iso-date="([0-9-]+)"\/>/, transaction),
      value: one(/<value [^>]*>(.*?)<\/value>/, transaction),
      currency: one(/<value currency="([A-Z]{3})"/, transaction),
      valueDate: one(/value-date="([0-9-]+)"/, transaction),
      description: one(/<description><narrative>(.*?)<\/narrative><\/description>/, transaction),
    })),
  }));
}

/** An exact decimal string (possibly negative) as a count of minor units. */
export function minorUnits(amount: string, digits: number): bigint {
  const match = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(amount);
  if (!match || (match[3] ?? '').length > digits) throw new Error(`not an exact amount with ${digits} decimals: ${amount}`);
  const value = BigInt(match[2] + (match[3] ?? '').padEnd(digits, '0'));
  return match[1] === '-' ? -value : value;
}
