import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule, getSchemaPath } from '@nestjs/swagger';
import { ID_PATTERN } from '#domain';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { ACCESS_METADATA, type AccessLevel, effectiveAccess } from '../http/access.js';
import { type ErrorCode, statusOf } from '../http/error-codes.js';
import { errorBody } from '../http/error.filter.js';
import { ErrorResponseDto } from '../http/openapi.js';

/** Where the API documents itself: Swagger UI, and the OpenAPI 3 document as JSON. */
export const DOCS_PATH = '/docs';
export const OPENAPI_JSON_PATH = '/docs/openapi.json';

/** The security scheme's name in the document: an API key sent as a bearer token. */
export const API_KEY_SCHEME = 'api-key';

const ACCESS_LEVELS: readonly AccessLevel[] = ['public', 'any', 'operator', 'auditor'];

const WHO: Record<Exclude<AccessLevel, 'public' | 'metrics'>, string> = {
  any: 'any valid API key (roles operator, auditor, reader)',
  operator: 'an API key with the operator role',
  auditor: 'an API key with the auditor role',
};

const DESCRIPTION = `An event-sourced ledger of paired-assistance investment commitments: pledged vs delivered capital per partner pair.

Money is an object \`{"amount": "1234.50", "currency": "CNY"}\` whose amount is an exact decimal **string** (a JSON number is refused).
Ids are chosen by the client and match \`${ID_PATTERN.source}\`; dates are real calendar dates \`YYYY-MM-DD\`.
A command answers 201 with \`{…ids, outcome: "created", revision, position}\`; \
the same command again answers 200 with \`outcome: "replayed"\` and appends nothing.
Every read accepts \`?minPosition=N\` to read its own writes. Every error has one shape (\`ErrorResponseDto\`).

Access: send \`Authorization: Bearer <key>\`. \
Each operation's \`x-access\` says who may call it: \`public\` (no key), \`any\` (any valid key), \`operator\`, \`auditor\`.`;

function operationIdOf(controllerKey: string, methodKey: string): string {
  return `${controllerKey}_${methodKey}`;
}

/**
 * Who may call each handler, by the operation id the document gives it:
 * the `@Access` level on the method, else on its controller, else undefined;
 * `metrics` as this process's configuration decides it.
 */
export function accessByOperationId(app: INestApplication): Map<string, AccessLevel | undefined> {
  const config = app.get<LedgerConfig>(LEDGER_CONFIG);
  const access = new Map<string, AccessLevel | undefined>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const methodKey of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[methodKey];
        if (methodKey === 'constructor' || typeof handler !== 'function') continue;
        const level = (Reflect.getMetadata(ACCESS_METADATA, handler) ?? Reflect.getMetadata(ACCESS_METADATA, controller)) as
          AccessLevel | undefined;
        access.set(operationIdOf(controller.name, methodKey), level === undefined ? undefined : effectiveAccess(level, config));
      }
    }
  }
  return access;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Derives each operation's security from its `@Access` level, so no endpoint
 * can forget it: public ones need no key; every other one needs the bearer
 * API key and documents 401 and 403. The level is kept as `x-access`; an
 * operation without one is marked `x-access: "undeclared"` (and secured):
 * the access guard refuses such routes, and the docs test fails on it.
 */
export function applyAccessToDocument(document: OpenAPIObject, access: ReadonlyMap<string, AccessLevel | undefined>): OpenAPIObject {
  const errorSchema = { $ref: getSchemaPath(ErrorResponseDto) };
  const errorResponse = (code: ErrorCode, description: string, message: string) => ({
    description,
    content: { 'application/json': { schema: errorSchema, example: errorBody(statusOf(code), code, message) } },
  });
  for (const pathItem of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      const declared = operation.operationId === undefined ? undefined : access.get(operation.operationId);
      const level = declared !== undefined && ACCESS_LEVELS.includes(declared) ? declared : undefined;
      (operation as unknown as Record<string, unknown>)['x-access'] = level ?? 'undeclared';
      if (level === 'public') {
        operation.security = [];
        continue;
      }
      operation.security = [{ [API_KEY_SCHEME]: [] }];
      const who = level && level !== 'metrics' ? WHO[level] : 'an API key';
      operation.description = [operation.description, `Requires ${who}.`].filter(Boolean).join('\n\n');
      operation.responses[statusOf('unauthenticated')] ??= errorResponse(
        'unauthenticated',
        'No valid API key: none sent, not `Bearer <key>`, or not a key in `API_KEYS`. Code: `unauthenticated`.',
        'send an API key: Authorization: Bearer <key>',
      );
      operation.responses[statusOf('too-many-failed-authentications')] ??= errorResponse(
        'too-many-failed-authentications',
        'This client address has used its budget of failed authentications (`AUTH_FAILURE_LIMIT` per `AUTH_FAILURE_WINDOW_MS`): ' +
          'refused until the window ends, valid key or not; `Retry-After` says when (seconds). Code: `too-many-failed-authentications`.',
        'too many failed authentications from this address (30 in 60 s); retry in 42 s',
      );
      operation.responses[statusOf('forbidden')] ??= errorResponse(
        'forbidden',
        `The API key is valid but its role may not call this endpoint: it needs ${who}. Code: \`forbidden\`.`,
        `this needs a key with the ${level === 'auditor' ? 'auditor' : 'operator'} role; ops.reader has reader`,
      );
    }
  }
  return document;
}

/** The OpenAPI 3 document of the running application, generated from its controllers and DTOs. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Commitment ledger')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addTag('partner pairs', 'Donor and recipient regions, and pledged vs delivered capital per pair')
    .addTag('projects', 'Signings, disbursements, jobs, pledge revisions, milestones, cancellations; project reads and history')
    .addTag('operations', 'For operators: health, relay and projection status')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'An API key from `API_KEYS`, sent as `Authorization: Bearer <key>`.',
      },
      API_KEY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: operationIdOf, extraModels: [ErrorResponseDto] });
  return closeRequestSchemas(documentUnknownQueryRefusal(applyAccessToDocument(document, accessByOperationId(app))));
}

/**
 * Every operation refuses query parameters it does not read (400
 * `invalid-request`, see KnownQueryParameters): said once for all of them.
 */
export function documentUnknownQueryRefusal(document: OpenAPIObject): OpenAPIObject {
  const status = statusOf('invalid-request');
  const example = {
    summary: 'unknown query parameter',
    value: {
      ...errorBody(status, 'invalid-request', 'unknown query parameter(s) asof: it reads minPosition, asOf, knownAt'),
      fields: [{ field: 'asof', problems: ['is not a query parameter of this endpoint'] }],
    },
  };
  const description = 'A query parameter the endpoint does not read (misspelt, or sent as `name[]`). Codes: `invalid-request`.';
  for (const pathItem of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      const existing = operation.responses[status] as
        { description: string; content?: Record<string, { schema?: unknown; examples?: Record<string, unknown> }> } | undefined;
      const response = existing ?? {
        description,
        content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) }, examples: {} } },
      };
      if (existing) response.description = `${existing.description}\n\n${description}`;
      const media = ((response.content ??= {})['application/json'] ??= { schema: { $ref: getSchemaPath(ErrorResponseDto) } });
      media.examples = { ...media.examples, [`${status}-unknown-query-parameter`]: example };
      operation.responses[status] = response as (typeof operation.responses)[string];
    }
  }
  return document;
}

/**
 * Request bodies refuse unknown fields (400, each listed): their schemas, and
 * the schemas they nest, say so with `additionalProperties: false`.
 */
export function closeRequestSchemas(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  const prefix = '#/components/schemas/';
  const close = (name: string, seen: Set<string>): void => {
    const schema = schemas[name];
    if (!schema || seen.has(name)) return;
    seen.add(name);
    schema.additionalProperties = false;
    for (const ref of JSON.stringify(schema.properties ?? {}).match(/"#\/components\/schemas\/[^"]+"/g) ?? [])
      close(ref.slice(prefix.length + 1, -1), seen);
  };
  const seen = new Set<string>();
  for (const pathItem of Object.values(document.paths)) {
    for (const method of METHODS) {
      const body = pathItem[method]?.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> } | undefined;
      for (const media of Object.values(body?.content ?? {})) {
        if (media.schema?.$ref?.startsWith(prefix)) close(media.schema.$ref.slice(prefix.length), seen);
      }
    }
  }
  return document;
}

/** Serves Swagger UI at /docs and the document at /docs/openapi.json (built on first request, then cached). */
export function serveOpenApiDocs(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Commitment ledger API',
  });
}
