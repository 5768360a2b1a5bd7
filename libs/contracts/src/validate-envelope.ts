import { Ajv2020 } from 'ajv/dist/2020.js';
import { type CatalogueEventType, EVENT_CATALOGUE, catalogueVersions, envelopeSchema, isCatalogueEventType } from './event-catalogue.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addFormat('uuid', UUID);
ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)) && /T/.test(value));
const validators = new Map<string, ReturnType<typeof ajv.compile>>(
  (Object.keys(EVENT_CATALOGUE) as CatalogueEventType[]).flatMap((type) =>
    catalogueVersions(type).map(({ version }) => [`${type}.v${version}`, ajv.compile(envelopeSchema(type, version))] as const),
  ),
);

/** Checks a message value against the published schema of its event type and schema version: null if valid, else why not. */
export function envelopeProblem(value: unknown): string | null {
  const { type, schemaVersion } = (value ?? {}) as { type?: unknown; schemaVersion?: unknown };
  if (typeof type !== 'string' || !isCatalogueEventType(type)) return `unknown event type ${JSON.stringify(type)}`;
  const validate = validators.get(`${type}.v${String(schemaVersion)}`);
  if (!validate) return `unknown schema version ${JSON.stringify(schemaVersion)} of ${type}`;
  if (validate(value)) return null;
  return ajv.errorsText(validate.errors);
}
