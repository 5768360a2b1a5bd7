import { asyncApiDocument } from './asyncapi.js';
import { type CatalogueEventType, EVENT_CATALOGUE, catalogueVersions, envelopeSchema } from './event-catalogue.js';

/** The published contract files, by path from the project root, as generated from the catalogue. */
export function contractFiles(): Record<string, string> {
  const files: Record<string, string> = { 'contracts/asyncapi.json': JSON.stringify(asyncApiDocument(), null, 2) + '\n' };
  for (const type of Object.keys(EVENT_CATALOGUE) as CatalogueEventType[]) {
    for (const { version } of catalogueVersions(type)) {
      files[`contracts/events/${type}.v${version}.schema.json`] = JSON.stringify(envelopeSchema(type, version), null, 2) + '\n';
    }
  }
  return files;
}
