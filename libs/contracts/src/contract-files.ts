import { asyncApiDocument } from './asyncapi.js';
import { type CatalogueEventType, EVENT_CATALOGUE, catalogueVersions, envelopeSchema } from './event-catalogue.js';

/** Where the published contract files are checked in, from the project root: every file there is generated. */
const PUBLISHED_DIR = 'published';

/** The published contract files, by path from the project root, as generated from the catalogue. */
export function contractFiles(): Record<string, string> {
  const files: Record<string, string> = { [`${PUBLISHED_DIR}/asyncapi.json`]: JSON.stringify(asyncApiDocument(), null, 2) + '\n' };
  for (const type of Object.keys(EVENT_CATALOGUE) as CatalogueEventType[]) {
    for (const { version } of catalogueVersions(type)) {
      files[`${PUBLISHED_DIR}/events/${type}.v${version}.schema.json`] = JSON.stringify(envelopeSchema(type, version), null, 2) + '\n';
    }
  }
  return files;
}
