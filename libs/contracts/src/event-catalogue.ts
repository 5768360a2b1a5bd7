import {
  AMOUNT_PATTERN,
  CAPITAL_KINDS,
  DATE_PATTERN,
  ID_PATTERN,
  MILESTONES,
  MINOR_DIGITS,
  PROGRAMMES,
  REGION_LEVELS,
  SLUG_PATTERN,
  type PartnerPairEvent,
  type ProjectEvent,
} from '#domain';

/**
 * The published event contract: one JSON Schema per event type and version,
 * for the `data` of each event. The JSON Schema files, the AsyncAPI document
 * and the subscriber's validation are all generated from these definitions,
 * and `satisfies` below makes a new event type without a definition fail to
 * compile.
 */
export type JsonSchema = Record<string, unknown>;

export interface EventDefinition {
  readonly version: number;
  readonly topic: 'partner-pairs' | 'projects';
  readonly summary: string;
  readonly data: JsonSchema;
}

const id: JsonSchema = { type: 'string', pattern: ID_PATTERN.source };
const date: JsonSchema = { type: 'string', pattern: DATE_PATTERN.source, description: 'a calendar date, YYYY-MM-DD' };
const text: JsonSchema = { type: 'string', minLength: 1 };
const optionalText: JsonSchema = { type: ['string', 'null'], minLength: 1 };
const money: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency'],
  description: "exact money: a decimal string with exactly the currency's minor digits (never a JSON number)",
  properties: {
    amount: { type: 'string', pattern: AMOUNT_PATTERN.source, description: "positive; at most the currency's minor digits (0 to 3)" },
    currency: { type: 'string', enum: Object.keys(MINOR_DIGITS) },
  },
};
/** A corrected amount may be zero (the tranche never arrived). */
const moneyOrZero: JsonSchema = {
  ...money,
  description: 'exact money as above, where zero is allowed',
  properties: {
    ...(money.properties as Record<string, JsonSchema>),
    amount: {
      ...(money.properties as Record<string, JsonSchema>).amount,
      description: "zero or positive; at most the currency's minor digits (0 to 3)",
    },
  },
};
const region: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'level'],
  properties: { name: text, level: { type: 'string', enum: [...REGION_LEVELS] } },
};

function object(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
    properties,
  };
}

const projectRef = { projectId: id, pairId: id };

/** PledgeRevised's data, in every version (v1 differs only in that revisionId may be absent). */
const PLEDGE_REVISED_FIELDS = {
  ...projectRef,
  revisionId: { type: ['string', 'null'], pattern: ID_PATTERN.source },
  pledged: money,
  previousPledged: money,
  reason: text,
  revisedOn: date,
};

export const EVENT_CATALOGUE = {
  PartnerPairRegistered: {
    version: 1,
    topic: 'partner-pairs',
    summary: 'A donor region was paired with a recipient region, possibly as a sub-pair of another pair.',
    data: object({
      pairId: id,
      donor: region,
      recipient: region,
      programme: { type: 'string', enum: [...PROGRAMMES] },
      parentPairId: { type: ['string', 'null'], pattern: ID_PATTERN.source },
      establishedOn: { type: ['string', 'null'], pattern: date.pattern },
    }),
  },
  ProjectSigned: {
    version: 1,
    topic: 'projects',
    summary: 'A project was signed for a pair with its pledged total investment (签约).',
    data: object({
      ...projectRef,
      title: text,
      sector: { type: 'string', pattern: SLUG_PATTERN.source },
      capitalKind: { type: 'string', enum: [...CAPITAL_KINDS] },
      pledged: money,
      signedOn: date,
      occasion: optionalText,
      investor: optionalText,
    }),
  },
  PledgeRevised: {
    version: 2,
    topic: 'projects',
    summary:
      'The pledge of a project was revised up or down (never below what was delivered). ' +
      'v2: revisionId is always present (null when the client sent none).',
    data: object(PLEDGE_REVISED_FIELDS),
  },
  FundsDisbursed: {
    version: 1,
    topic: 'projects',
    summary: 'A tranche of the pledge was delivered to the project (到位资金).',
    data: object({ ...projectRef, disbursementId: id, amount: money, disbursedOn: date }),
  },
  JobsRecorded: {
    version: 1,
    topic: 'projects',
    summary: 'Jobs created by the project were reported (吸纳就业).',
    data: object({ ...projectRef, reportId: id, jobs: { type: 'integer', minimum: 1 }, reportedOn: date }),
  },
  MilestoneReached: {
    version: 1,
    topic: 'projects',
    summary: 'The project reached a milestone (落地 / 开工 / 投产 / completed).',
    data: object({ ...projectRef, milestone: { type: 'string', enum: [...MILESTONES] }, reachedOn: date }),
  },
  ProjectCancelled: {
    version: 1,
    topic: 'projects',
    summary: 'The project was cancelled; its pledge no longer counts, what was delivered stays delivered.',
    data: object({ ...projectRef, reason: text, cancelledOn: date }),
  },
  DisbursementCorrected: {
    version: 1,
    topic: 'projects',
    summary:
      'A disbursement entered wrongly was corrected (the original stays recorded). ' +
      'amount is the corrected amount, previousAmount what stood before; ' +
      "disbursedOn is the original disbursement's date: count amount − previousAmount in its year.",
    data: object({
      ...projectRef,
      correctionId: id,
      disbursementId: id,
      disbursedOn: date,
      amount: moneyOrZero,
      previousAmount: moneyOrZero,
      reason: text,
      correctedOn: date,
    }),
  },
  JobsReportCorrected: {
    version: 1,
    topic: 'projects',
    summary:
      'A jobs report entered wrongly was corrected (the original stays recorded). ' +
      "jobs is the corrected figure, previousJobs what stood before; reportedOn is the original report's date.",
    data: object({
      ...projectRef,
      correctionId: id,
      reportId: id,
      reportedOn: date,
      jobs: { type: 'integer', minimum: 0 },
      previousJobs: { type: 'integer', minimum: 0 },
      reason: text,
      correctedOn: date,
    }),
  },
} as const satisfies Record<ProjectEvent['type'] | PartnerPairEvent['type'], EventDefinition>;

export type CatalogueEventType = keyof typeof EVENT_CATALOGUE;

/**
 * Earlier versions of event schemas, still published: the relay publishes
 * every event upcast to its current version, but messages published before
 * a schema changed stay in the topics.
 */
export const PREVIOUS_VERSIONS: Partial<Record<CatalogueEventType, readonly EventDefinition[]>> = {
  PledgeRevised: [
    {
      version: 1,
      topic: 'projects',
      summary:
        'The pledge of a project was revised up or down. v1: revisionId may be absent (revisions recorded before revision ids existed).',
      // The same fields as v2; only revisionId may be absent.
      data: object(PLEDGE_REVISED_FIELDS, ['revisionId']),
    },
  ],
};

/** Every published definition of an event type, the current one last. */
export function catalogueVersions(type: CatalogueEventType): readonly EventDefinition[] {
  return [...(PREVIOUS_VERSIONS[type] ?? []), EVENT_CATALOGUE[type]];
}

export function isCatalogueEventType(type: string): type is CatalogueEventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOGUE, type);
}

/**
 * The JSON Schema (draft 2020-12) of a whole message value:
 * the envelope with this event type's data (at its current version unless told).
 */
export function envelopeSchema(type: CatalogueEventType, version?: number): JsonSchema {
  const definition = catalogueVersions(type).find((candidate) => candidate.version === (version ?? EVENT_CATALOGUE[type].version));
  if (!definition) throw new Error(`${type} has no published version ${version}`);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:commitment-ledger:events:${type}:v${definition.version}`,
    title: `${type} v${definition.version}`,
    description: definition.summary,
    ...object({
      eventId: { type: 'string', format: 'uuid' },
      type: { const: type },
      schemaVersion: { const: definition.version },
      streamId: { type: 'string', pattern: `^${definition.topic === 'projects' ? 'project' : 'partner-pair'}-` },
      revision: { type: 'integer', minimum: 0 },
      position: { type: 'integer', minimum: 1 },
      recordedAt: { type: 'string', format: 'date-time' },
      data: definition.data,
      metadata: object(
        {
          correlationId: { type: 'string' },
          causationId: { type: 'string' },
          actor: { type: 'string' },
          recordedAt: { type: 'string' },
          writtenAt: { type: 'string', description: 'when the writer built the event; covered by the hash (recordedAt is not)' },
          hash: {
            type: 'string',
            pattern: '^[0-9a-f]{64}$',
            description:
              'SHA-256 chaining the event to the previous one of its stream, over the event as stored (its stored schema version); ' +
              'absent on events recorded before hashes existed',
          },
        },
        ['writtenAt', 'hash'],
      ),
    }),
  };
}

export const MESSAGE_HEADERS: JsonSchema = object({
  'event-type': { type: 'string', description: "the envelope's type" },
  'event-id': { type: 'string', description: "the envelope's eventId: deduplicate on it" },
  'schema-version': { type: 'string', description: "the envelope's schemaVersion" },
  'correlation-id': { type: 'string' },
  'content-type': { const: 'application/json' },
});
