import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ModulesContainer } from '@nestjs/core';
import { Ajv, type ValidateFunction } from 'ajv';
import { getMetadataStorage } from 'class-validator';
import { projectRoot } from '#api/project-root';
import { disbursementBody, jobsBody, pairBody, projectBody } from '../support/fixtures.js';
import { HARNESS_API_KEYS, type LedgerUnderTest, type Reply, ledgerPerSuite } from '../support/ledger-harness.js';

/**
 * The OpenAPI document served at /docs/openapi.json is checked against the
 * running application itself: every route Fastify registered must be in it
 * (so an endpoint added without decorators fails here), every operation must
 * document its errors and its security, every request DTO field must be
 * documented, and real responses must match the documented schemas.
 */

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
  'x-access'?: string;
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, Record<string, unknown>>; required?: string[]; additionalProperties?: unknown }>;
    securitySchemes: Record<string, unknown>;
  };
};

const DOCS_PREFIX = '/docs';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * The official OpenAPI 3.0 JSON Schema (OAI/OpenAPI-Specification,
 * schemas/v3.0/schema.json, id .../oas/3.0/schema/2021-09-28, Apache-2.0),
 * vendored unchanged. It is written in JSON Schema draft-04, which Ajv 8 does
 * not read: `id` becomes `$id`, and its one boolean `exclusiveMinimum`
 * (multipleOf > 0) the draft-06 number form; nothing else differs.
 */
function officialOpenApi30Validator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(projectRoot(), 'tests/support/openapi/oas-3.0-schema.json'), 'utf8'));
  const { id, $schema: _draft04, ...rest } = schema;
  rest.$id = id;
  const multipleOf = rest.definitions.Schema.properties.multipleOf;
  expect(multipleOf).toEqual({ type: 'number', minimum: 0, exclusiveMinimum: true });
  rest.definitions.Schema.properties.multipleOf = { type: 'number', exclusiveMinimum: 0 };
  return new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(rest);
}

/** Every method and URL the running Fastify instance routes, read from its own route tree. */
function registeredRoutes(api: LedgerUnderTest): Array<{ method: string; url: string }> {
  const tree: string = api.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: Array<{ method: string; url: string }> = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = [...match[1]].length / 4;
    stack.length = depth;
    stack.push(match[2]);
    const url = stack.join('');
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url });
  }
  return routes;
}

function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operations(document: Document): Array<{ method: string; path: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** The @Body DTO classes of every handler the application routes. */
function requestDtoClasses(api: LedgerUnderTest): Array<new () => object> {
  const classes = new Set<new () => object>();
  for (const module of api.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new () => object) | null;
      if (typeof controller !== 'function') continue;
      for (const methodKey of Object.getOwnPropertyNames(controller.prototype)) {
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodKey) ?? {}) as Record<string, { index: number }>;
        const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, methodKey) ?? []) as Array<new () => object>;
        for (const [key, { index }] of Object.entries(args)) {
          if (key.split(':')[0] === String(RouteParamtypes.BODY) && typeof types[index] === 'function' && types[index] !== Object)
            classes.add(types[index]);
        }
      }
    }
  }
  return [...classes];
}

/** The properties class-validator checks on a DTO, whether each is optional, and the DTO classes it nests. */
function validatedProperties(dto: new () => object): Map<string, { optional: boolean; nested?: new () => object }> {
  const properties = new Map<string, { optional: boolean; nested?: new () => object }>();
  for (const metadata of getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false)) {
    const known = properties.get(metadata.propertyName) ?? { optional: false };
    if (metadata.type === 'conditionalValidation') known.optional = true;
    if (metadata.type === 'nestedValidation') known.nested = Reflect.getMetadata('design:type', dto.prototype, metadata.propertyName);
    properties.set(metadata.propertyName, known);
  }
  return properties;
}

describe('OpenAPI at /docs', () => {
  const READER_KEY = 'docs-reader-key-0123456789';
  const ledger = ledgerPerSuite({
    READ_WAIT_TIMEOUT_MS: '100',
    BODY_LIMIT_BYTES: '2048',
    API_KEYS: `${HARNESS_API_KEYS},reader:docs.reader:${READER_KEY}`,
  });
  let api: LedgerUnderTest;
  let document: Document;
  beforeAll(async () => {
    api = ledger();
    const reply = await api.get('/docs/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('application/json');
    document = reply.body;
  });

  it('is a valid OpenAPI 3.0 document, by the official JSON Schema', () => {
    const validate = officialOpenApi30Validator();
    expect(document.openapi).toMatch(/^3\.0\.\d$/);
    const valid = validate(document);
    expect(valid ? 'valid' : JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe('valid');
    // The check can fail: a response without a description, and a schema with an unknown keyword, are refused.
    const broken = structuredClone(document);
    delete (broken.paths['/projects'].post.responses['201'] as { description?: string }).description;
    expect(validate(broken)).toBe(false);
    const alsoBroken = structuredClone(document);
    (alsoBroken.components.schemas.MoneyDto as Record<string, unknown>).exclusive = true;
    expect(validate(alsoBroken)).toBe(false);
  });

  it('documents every route the application registers, with its method, and nothing else', () => {
    const routes = registeredRoutes(api);
    const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
    const expected = routes
      .filter((r) => r.url !== DOCS_PREFIX && !r.url.startsWith(`${DOCS_PREFIX}/`))
      // Fastify answers HEAD for every GET by itself.
      .filter((r) => !(r.method === 'HEAD' && gets.has(r.url)))
      .map((r) => `${r.method} ${openApiPath(r.url)}`);
    // The route table was really read: the commands and reads are in it.
    expect(expected).toEqual(expect.arrayContaining(['POST /partner-pairs', 'GET /projects/{projectId}/history', 'GET /health']));
    const documented = operations(document).map(({ method, path }) => `${method} ${path}`);
    expect(documented.sort()).toEqual([...new Set(expected)].sort());
  });

  it('gives every operation a tag, a summary, a success response with a schema and at least one documented error', () => {
    for (const { method, path, operation } of operations(document)) {
      const where = `${method} ${path}`;
      expect([where, operation.tags?.length ?? 0]).not.toEqual([where, 0]);
      expect([where, typeof operation.summary]).toEqual([where, 'string']);
      const statuses = Object.keys(operation.responses);
      const success = statuses.filter((s) => /^2\d\d$/.test(s));
      expect([where, success.length > 0]).toEqual([where, true]);
      for (const status of success)
        expect([where, status, Object.values(operation.responses[status].content ?? {})[0]?.schema]).toEqual([
          where,
          status,
          expect.any(Object),
        ]);
      const errors = statuses.filter((s) => /^[45]\d\d$/.test(s));
      for (const status of errors)
        expect([where, status, Object.values(operation.responses[status].content ?? {})[0]?.schema]).toEqual([
          where,
          status,
          expect.any(Object),
        ]);
      // At least one error in the ledger's one error shape (a 503 from /health, say, may answer the health report instead).
      const shared = errors.filter(
        (status) => operation.responses[status].content?.['application/json']?.schema?.$ref === '#/components/schemas/ErrorResponseDto',
      );
      expect([where, shared.length > 0]).toEqual([where, true]);
    }
  });

  it('derives security from @Access: public operations need no key, every other one the bearer key and documents 401 and 403', () => {
    expect(document.components.securitySchemes['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const levels = new Set<string>();
    for (const { method, path, operation } of operations(document)) {
      const where = `${method} ${path}`;
      const access = operation['x-access'] ?? 'missing';
      levels.add(access);
      expect([where, ['public', 'any', 'operator', 'auditor'].includes(access) ? 'declared' : access]).toEqual([where, 'declared']);
      if (access === 'public') {
        expect([where, operation.security]).toEqual([where, []]);
      } else {
        expect([where, operation.security]).toEqual([where, [{ 'api-key': [] }]]);
        expect([where, Object.keys(operation.responses)]).toEqual([where, expect.arrayContaining(['401', '403'])]);
      }
    }
    expect(levels).toEqual(new Set(['public', 'any', 'operator', 'auditor']));
    expect(document.paths['/health'].get['x-access']).toBe('public');
    // Unless METRICS_PUBLIC=true (metrics.e2e.spec.ts).
    expect(document.paths['/metrics'].get['x-access']).toBe('operator');
    expect(document.paths['/projects/{projectId}/disbursements'].post['x-access']).toBe('operator');
    expect(document.paths['/projects/{projectId}/history'].get['x-access']).toBe('auditor');
  });

  it('documents every property of every request DTO, required exactly when validation requires it, and no others', () => {
    const dtos = requestDtoClasses(api);
    expect(dtos.map((dto) => dto.name)).toEqual(
      expect.arrayContaining(['RegisterPartnerPairRequestDto', 'SignProjectRequestDto', 'DisburseFundsRequestDto']),
    );
    const bodies = new Set(
      operations(document)
        .map(({ operation }) => operation.requestBody?.content['application/json']?.schema.$ref)
        .filter((ref): ref is string => ref !== undefined),
    );
    const check = (dto: new () => object): void => {
      const schema = document.components.schemas[dto.name];
      expect([dto.name, schema === undefined ? 'undocumented' : 'documented']).toEqual([dto.name, 'documented']);
      const validated = validatedProperties(dto);
      expect([dto.name, Object.keys(schema.properties ?? {}).sort()]).toEqual([dto.name, [...validated.keys()].sort()]);
      expect([dto.name, (schema.required ?? []).sort()]).toEqual([
        dto.name,
        [...validated]
          .filter(([, p]) => !p.optional)
          .map(([name]) => name)
          .sort(),
      ]);
      expect([dto.name, schema.additionalProperties]).toEqual([dto.name, false]);
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const described = typeof property.description === 'string' || property.example !== undefined;
        const typed =
          property.type !== undefined || property.enum !== undefined || property.$ref !== undefined || property.allOf !== undefined;
        expect([dto.name, name, described && typed]).toEqual([dto.name, name, true]);
      }
      for (const { nested } of validated.values()) if (nested) check(nested);
    };
    for (const dto of dtos) {
      expect(bodies).toContain(`#/components/schemas/${dto.name}`);
      check(dto);
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const page = await api.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
    const init = await api.get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.body).toContain('"/projects/{projectId}/disbursements"');
    // The UI's own assets, served by @fastify/static.
    const bundle = await api.send('GET', '/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
  });

  describe('matches what the API really answers', () => {
    let ajv: Ajv;
    const validators = new Map<string, ValidateFunction>();
    beforeAll(() => {
      // The document's schemas, addressable as "doc#/components/schemas/…".
      ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
      ajv.addSchema(
        JSON.parse(JSON.stringify({ $id: 'doc', components: document.components }).replaceAll('"#/components/', '"doc#/components/')),
        'doc',
      );
    });

    function schemaValidator(schema: object): ValidateFunction {
      const key = JSON.stringify(schema);
      let validate = validators.get(key);
      if (!validate) {
        validate = ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"doc#/components/')));
        validators.set(key, validate);
      }
      return validate;
    }

    /** The reply's status and media type are documented for the operation, and its body matches the documented schema. */
    function conforms(method: string, path: string, reply: Reply): void {
      const where = `${method} ${path} → ${reply.status}`;
      const operation = document.paths[path]?.[method.toLowerCase()];
      expect([where, operation === undefined ? 'undocumented operation' : 'documented']).toEqual([where, 'documented']);
      const response = operation.responses[String(reply.status)];
      expect([where, response === undefined ? 'undocumented status' : 'documented']).toEqual([where, 'documented']);
      const mediaType = reply.headers.get('content-type')?.split(';')[0].trim() ?? 'none';
      const media = response.content?.[mediaType];
      expect([where, media === undefined ? `undocumented media type ${mediaType}` : 'documented']).toEqual([where, 'documented']);
      const validate = schemaValidator(media?.schema ?? {});
      const valid = validate(reply.body);
      expect([where, valid ? 'matches' : JSON.stringify({ body: reply.body, errors: validate.errors })]).toEqual([where, 'matches']);
    }

    /** A request body the document accepts (the server accepts it too: the command is answered 2xx). */
    function requestConforms(path: string, body: unknown): void {
      const ref = document.paths[path].post.requestBody?.content['application/json'].schema ?? {};
      const validate = schemaValidator(ref);
      expect([path, validate(body) ? 'accepted' : JSON.stringify(validate.errors)]).toEqual([path, 'accepted']);
    }

    async function post(path: string, documented: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
      const reply = await api.post(path, body, headers);
      conforms('POST', documented, reply);
      if (reply.status < 300) position = Math.max(position, reply.body.position);
      return reply;
    }

    let position = 0;
    /** Reads the state after every command so far (`minPosition`), unless the path asks otherwise. */
    async function get(path: string, documented: string): Promise<Reply> {
      const reply = await api.get(path.includes('minPosition') ? path : `${path}${path.includes('?') ? '&' : '?'}minPosition=${position}`);
      conforms('GET', documented, reply);
      return reply;
    }

    it('for commands: created, replayed and each kind of refusal', async () => {
      const pair = pairBody('docs-pair', { establishedOn: '2022-01-01' });
      requestConforms('/partner-pairs', pair);
      expect((await post('/partner-pairs', '/partner-pairs', pair)).status).toBe(201);
      expect((await post('/partner-pairs', '/partner-pairs', pair)).status).toBe(200);
      expect((await post('/partner-pairs', '/partner-pairs', { ...pair, programme: 'aid' })).status).toBe(400);
      expect((await post('/partner-pairs', '/partner-pairs', { ...pair, donor: { name: 'Other', level: 'city' } })).status).toBe(409);
      expect((await post('/partner-pairs', '/partner-pairs', pairBody('docs-sub', { parentPairId: 'docs-none' }))).status).toBe(404);
      expect(
        (await post('/partner-pairs', '/partner-pairs', pairBody('docs-self', { donor: pair.donor, recipient: pair.donor }))).status,
      ).toBe(422);
      const form = await api.send('POST', '/partner-pairs', 'pairId=x', { 'content-type': 'application/x-www-form-urlencoded' });
      conforms('POST', '/partner-pairs', form);
      expect(form.status).toBe(415);
      const large = await api.post('/partner-pairs', { ...pair, recipient: { name: 'x'.repeat(4000), level: 'city' } });
      conforms('POST', '/partner-pairs', large);
      expect(large.status).toBe(413);

      const project = projectBody('docs-project', 'docs-pair', '1000', { occasion: 'Second joint meeting' });
      requestConforms('/projects', project);
      expect((await post('/projects', '/projects', project)).status).toBe(201);
      const other = projectBody('docs-cancelled', 'docs-pair', '50');
      expect((await post('/projects', '/projects', other)).status).toBe(201);
      const tranche = disbursementBody('docs-t1', '400.50');
      requestConforms('/projects/{projectId}/disbursements', tranche);
      expect((await post('/projects/docs-project/disbursements', '/projects/{projectId}/disbursements', tranche)).status).toBe(201);
      expect(
        (await post('/projects/docs-project/disbursements', '/projects/{projectId}/disbursements', disbursementBody('docs-t2', '700')))
          .status,
      ).toBe(422);
      expect(
        (await post('/projects/docs-project/disbursements', '/projects/{projectId}/disbursements', tranche, { 'if-match': '"0"' })).status,
      ).toBe(200);
      expect(
        (
          await post('/projects/docs-project/disbursements', '/projects/{projectId}/disbursements', disbursementBody('docs-t3', '1'), {
            'if-match': '"0"',
          })
        ).status,
      ).toBe(409);
      expect(
        (await post('/projects/docs-project/disbursements', '/projects/{projectId}/disbursements', tranche, { 'if-match': 'zero' })).status,
      ).toBe(400);
      expect((await post('/projects/Not-An-Id/disbursements', '/projects/{projectId}/disbursements', tranche)).status).toBe(400);
      expect((await post(`/projects/${'p'.repeat(300)}/disbursements`, '/projects/{projectId}/disbursements', tranche)).status).toBe(414);
      const jobs = jobsBody('docs-j1', 320);
      requestConforms('/projects/{projectId}/jobs', jobs);
      expect((await post('/projects/docs-project/jobs', '/projects/{projectId}/jobs', jobs)).status).toBe(201);
      const revision = {
        revisionId: 'docs-r1',
        pledged: { amount: '1200.00', currency: 'CNY' },
        reason: 'second phase',
        revisedOn: '2025-03-01',
      };
      requestConforms('/projects/{projectId}/pledge-revisions', revision);
      expect((await post('/projects/docs-project/pledge-revisions', '/projects/{projectId}/pledge-revisions', revision)).status).toBe(201);
      const milestone = { milestone: 'landed', reachedOn: '2024-06-01' };
      requestConforms('/projects/{projectId}/milestones', milestone);
      expect((await post('/projects/docs-project/milestones', '/projects/{projectId}/milestones', milestone)).status).toBe(201);
      const cancellation = { reason: 'the investor withdrew', cancelledOn: '2025-01-15' };
      requestConforms('/projects/{projectId}/cancellation', cancellation);
      expect((await post('/projects/docs-cancelled/cancellation', '/projects/{projectId}/cancellation', cancellation)).status).toBe(201);
      expect((await post('/projects/docs-none/cancellation', '/projects/{projectId}/cancellation', cancellation)).status).toBe(404);
    });

    it('for reads: answers, not found, bad query values and a read that waited too long', async () => {
      await post('/projects/docs-project/jobs', '/projects/{projectId}/jobs', jobsBody('docs-j2', 5));
      expect((await get('/partner-pairs', '/partner-pairs')).body.pairs.map((p: { pairId: string }) => p.pairId)).toContain('docs-pair');
      expect((await get('/partner-pairs/docs-pair/summary', '/partner-pairs/{pairId}/summary')).body.own.pledged).toEqual({
        CNY: '1200.00',
      });
      expect((await get('/partner-pairs/docs-none/summary', '/partner-pairs/{pairId}/summary')).status).toBe(404);
      expect((await get('/partner-pairs/docs-pair/breakdown?by=sector&scope=own', '/partner-pairs/{pairId}/breakdown')).status).toBe(200);
      expect((await get('/partner-pairs/docs-pair/breakdown?by=colour', '/partner-pairs/{pairId}/breakdown')).status).toBe(400);
      expect((await get('/partner-pairs/docs-pair/projects', '/partner-pairs/{pairId}/projects')).body.projects).toHaveLength(2);
      const project = await get('/projects/docs-project', '/projects/{projectId}');
      expect(project.body.status).toBe('active');
      expect((await get('/projects/docs-cancelled', '/projects/{projectId}')).body.cancellation).toEqual({
        reason: 'the investor withdrew',
        cancelledOn: '2025-01-15',
      });
      expect((await get('/projects/docs-none', '/projects/{projectId}')).status).toBe(404);
      expect((await get('/projects/docs-project/history', '/projects/{projectId}/history')).body.events.length).toBeGreaterThan(3);
      expect((await get('/projects/docs-project/history?minPosition=999999', '/projects/{projectId}/history')).status).toBe(503);
      expect((await get('/projects/docs-project?minPosition=-1', '/projects/{projectId}')).status).toBe(400);
      for (const [path, status] of [
        ['/audit/verify', 200],
        ['/audit/verify?streamId=project-docs-project', 200],
        ['/audit/verify?streamId=docs-project', 400],
        ['/audit/verify?streamId=project-docs-none', 404],
      ] as const) {
        const reply = await api.get(path);
        conforms('GET', '/audit/verify', reply);
        expect([path, reply.status]).toEqual([path, status]);
      }
      for (const path of ['/health', '/health/live', '/health/ready', '/admin/relay', '/metrics']) {
        const reply = await api.get(path);
        conforms('GET', path, reply);
        expect(reply.status).toBe(200);
      }
      // Access refusals, as documented from @Access.
      for (const [path, documented] of [
        ['/projects/docs-project/history', '/projects/{projectId}/history'],
        ['/admin/relay', '/admin/relay'],
        ['/audit/verify', '/audit/verify'],
      ]) {
        const anonymous = await api.get(path, { authorization: '' });
        conforms('GET', documented, anonymous);
        expect(anonymous.status).toBe(401);
        const reader = await api.get(path, { authorization: `Bearer ${READER_KEY}` });
        conforms('GET', documented, reader);
        expect(reader.status).toBe(403);
      }
      const refused = await api.post('/partner-pairs', pairBody('docs-reader-pair'), { authorization: `Bearer ${READER_KEY}` });
      conforms('POST', '/partner-pairs', refused);
      expect(refused.status).toBe(403);
      const badHeader = await api.get('/health', { 'x-correlation-id': 'not valid!' });
      conforms('GET', '/health', badHeader);
      expect(badHeader.status).toBe(400);
    });

    it('for corrections and as-of reads', async () => {
      const fix = { correctionId: 'docs-c1', amount: { amount: '0', currency: 'CNY' }, reason: 'never arrived', correctedOn: '2025-03-01' };
      const fixPath = '/projects/{projectId}/disbursements/{disbursementId}/corrections';
      requestConforms(fixPath, fix);
      expect((await post('/projects/docs-project/disbursements/docs-t1/corrections', fixPath, fix)).status).toBe(201);
      expect((await post('/projects/docs-project/disbursements/docs-t1/corrections', fixPath, fix)).status).toBe(200);
      expect((await post('/projects/docs-project/disbursements/docs-t1/corrections', fixPath, { ...fix, reason: 'other' })).status).toBe(
        409,
      );
      expect(
        (await post('/projects/docs-project/disbursements/docs-none/corrections', fixPath, { ...fix, correctionId: 'docs-c2' })).status,
      ).toBe(404);
      expect(
        (await post('/projects/docs-project/disbursements/docs-t1/corrections', fixPath, { ...fix, correctionId: 'docs-c2' })).status,
      ).toBe(422);
      const jobsFix = { correctionId: 'docs-c3', jobs: 300, reason: 'counted twice', correctedOn: '2025-03-01' };
      const jobsPath = '/projects/{projectId}/jobs/{reportId}/corrections';
      requestConforms(jobsPath, jobsFix);
      expect((await post('/projects/docs-project/jobs/docs-j1/corrections', jobsPath, jobsFix)).status).toBe(201);
      expect((await post('/projects/docs-project/jobs/docs-j1/corrections', jobsPath, { ...jobsFix, jobs: -1 })).status).toBe(400);

      const summary = await get(
        '/partner-pairs/docs-pair/summary?asOf=2024-12-31&knownAt=2030-01-01T00:00:00Z',
        '/partner-pairs/{pairId}/summary',
      );
      expect(summary.body).toMatchObject({ asOf: '2024-12-31', knownAt: '2030-01-01T00:00:00.000Z' });
      expect((await get('/partner-pairs/docs-pair/summary?asOf=someday', '/partner-pairs/{pairId}/summary')).status).toBe(400);
      expect((await get('/projects/docs-project?asOf=2024-12-31', '/projects/{projectId}')).body.delivered).toEqual({
        amount: '0.00',
        currency: 'CNY',
      });
      expect((await get('/projects/docs-project?asOf=2024-01-01', '/projects/{projectId}')).status).toBe(404);
      expect((await get('/projects/docs-project?knownAt=2024-01-01T00:00:00', '/projects/{projectId}')).status).toBe(400);
    });
  });
});
