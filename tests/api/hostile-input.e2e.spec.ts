import { connect } from 'node:net';
import { disbursementBody, jobsBody, pairBody, projectBody } from '../support/fixtures.js';
import { HARNESS_API_KEY, type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';

/**
 * Hostile input against every operation of the OpenAPI document the running
 * API serves (/docs/openapi.json), so that a new route is covered the day it
 * is documented. For each operation: bad path ids, malformed, duplicated and
 * oversized query values, malformed, oversized, deep, array, null and
 * wrongly typed JSON bodies (derived from the documented request schema),
 * wrong content types, duplicated and odd headers (Authorization, If-Match,
 * X-Correlation-Id). Every answer must be below 500; every refusal must be
 * the documented error body with a status and code the operation documents;
 * and no hostile request may append to the event store.
 *
 * Requests are written byte for byte on a socket: fetch would normalise the
 * path (`..`, `%2e`), refuse odd header values and merge duplicated headers.
 */

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  example?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<
    string,
    { content?: Record<string, { example?: { code?: string }; examples?: Record<string, { value: { code?: string } }> }> }
  >;
  'x-access'?: string;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface RawReply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

const AUTH = `Bearer ${HARNESS_API_KEY}`;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** One HTTP/1.1 request written as given (headers in order, duplicates kept), and the answer. */
function raw(base: string, method: string, target: string, headers: Array<[string, string]>, body?: string | Buffer): Promise<RawReply> {
  const { hostname, port } = new URL(base.replace('[::1]', '127.0.0.1'));
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  let head = `${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  if (payload !== undefined) head += `Content-Length: ${payload.length}\r\n`;
  const request = Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), payload ?? Buffer.alloc(0)]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may answer (413, 431) and close before it read everything: the answer is what counts.
    socket.on('error', (error) => (failure = error));
    socket.on('close', () => {
      const response = Buffer.concat(chunks);
      if (response.length === 0) return reject(failure ?? new Error(`no answer to ${method} ${target.slice(0, 200)}`));
      resolve(parseResponse(response));
    });
    socket.setTimeout(20_000, () => socket.destroy(new Error(`timeout: ${method} ${target.slice(0, 200)}`)));
    // Not end(): a half-closed connection may be dropped before a slow answer; `Connection: close` ends it.
    socket.write(request);
  });
}

function parseResponse(response: Buffer): RawReply {
  const split = response.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = response.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let content = response.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (let at = 0; ;) {
      const end = content.indexOf('\r\n', at);
      const size = parseInt(content.subarray(at, end).toString('latin1'), 16);
      if (!size) break;
      parts.push(content.subarray(end + 2, end + 2 + size));
      at = end + 2 + size + 2;
    }
    content = Buffer.concat(parts);
  }
  const text = content.toString('utf8');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Kept as text: the assertions say what was expected.
  }
  return { status: Number(statusLine.split(' ')[1]), headers, text, body };
}

function resolveSchema(document: Document, schema: Schema): Schema {
  if (schema.$ref) return resolveSchema(document, document.components.schemas[schema.$ref.split('/').pop() as string]);
  if (schema.allOf?.length === 1)
    return { ...resolveSchema(document, schema.allOf[0]), ...(schema.example !== undefined ? { example: schema.example } : {}) };
  return schema;
}

/** A body built from the documented examples of the request schema (the document says what a valid body looks like). */
function exampleOf(document: Document, schema: Schema): unknown {
  const resolved = resolveSchema(document, schema);
  if (resolved.example !== undefined) return resolved.example;
  if (resolved.properties)
    return Object.fromEntries(Object.entries(resolved.properties).map(([name, property]) => [name, exampleOf(document, property)]));
  if (resolved.enum) return resolved.enum[0];
  return resolved.type === 'integer' || resolved.type === 'number' ? 1 : 'x';
}

const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) });

/** Values every field of a body is set to in turn: wrong types, out of range, odd text, prototype keys, deep nesting. */
const HOSTILE_VALUES: Array<[string, unknown]> = [
  ['null', null],
  ['empty array', []],
  ['array of the example', ['__example__']],
  ['empty object', {}],
  ['object with a prototype key', JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}')],
  ['true', true],
  ['huge number', 1e308],
  ['negative number', -1],
  ['fraction', 0.1],
  ['unsafe integer', 2 ** 53 + 1],
  ['empty string', ''],
  ['blank string', ' \t '],
  ['NUL', 'a\u0000b'],
  ['lone surrogate', '\ud800'],
  ['full-width digits', '１２３'],
  ['RTL override', '\u202eevil'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['long string', 'x'.repeat(20_000)],
  ['number as string in exponent form', '1e3'],
  ['negative amount string', '-100.00'],
  ['nested 40 levels', nested(40)],
];

/**
 * Whether the documented schema of a field allows this value (then it is not hostile to that field):
 * null for an optional or nullable field, a member of an enum, an integer within its bounds, a string
 * matching the documented pattern, or for free text (no pattern) what its description promises:
 * non-blank, no control, bidi or zero-width character (nor any other that does not show), no lone surrogate,
 * at most maxLength characters.
 */
function documentedAccepts(schema: Schema, property: Schema, optional: boolean, value: unknown): boolean {
  if (value === null) return optional || property.nullable === true || schema.nullable === true;
  if (schema.enum) return schema.enum.includes(value);
  if (schema.type === 'integer')
    return (
      Number.isInteger(value) && (value as number) >= (schema.minimum ?? -Infinity) && (value as number) <= (schema.maximum ?? Infinity)
    );
  if (schema.type !== 'string' || typeof value !== 'string') return false;
  if (schema.pattern) return new RegExp(schema.pattern).test(value) && [...value].length <= (schema.maxLength ?? Infinity);
  if (schema.format) return false;
  return (
    value.trim().length > 0 &&
    [...value].length <= (schema.maxLength ?? Infinity) &&
    // eslint-disable-next-line no-control-regex -- control characters are what free text may not hold
    !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value) &&
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value) &&
    !/[\p{Cf}\p{Default_Ignorable_Code_Point}]/u.test(value)
  );
}

/** Whole bodies: not JSON, not an object, too deep, too big, duplicated keys. */
function hostileBodies(example: Record<string, unknown>): Array<[string, string | Buffer]> {
  const valid = JSON.stringify(example);
  return [
    ['empty', ''],
    ['null', 'null'],
    ['array', '[]'],
    ['array of the valid body', `[${valid}]`],
    ['string', '"x"'],
    ['number', '1'],
    ['true', 'true'],
    ['truncated JSON', valid.slice(0, -1)],
    ['two JSON values', `${valid}${valid}`],
    ['trailing comma', `${valid.slice(0, -1)},}`],
    ['single quotes', valid.replace(/"/g, "'")],
    ['NaN', '{"x": NaN}'],
    ['__proto__ key', `{"__proto__": {"polluted": true}, ${valid.slice(1)}`],
    ['constructor.prototype key', `{"constructor": {"prototype": {"polluted": true}}, ${valid.slice(1)}`],
    ['duplicated keys', `{${valid.slice(1, -1)}, ${valid.slice(1)}`],
    ['deep object', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`],
    ['deep array', `{"a": ${'['.repeat(5_000)}${']'.repeat(5_000)}}`],
    ['over the body limit', JSON.stringify({ ...example, padding: 'x'.repeat(70_000) })],
    ['byte order mark', `\ufeff${valid}`],
    ['invalid UTF-8', Buffer.concat([Buffer.from(valid.slice(0, -1)), Buffer.from(',"x":"\xff\xfe"}', 'latin1')])],
    ['NUL bytes', `${valid}\u0000`],
    ['only whitespace', '   \n\t '],
    ['unknown field', JSON.stringify({ ...example, isAdmin: true })],
    ['every field null', JSON.stringify(Object.fromEntries(Object.keys(example).map((key) => [key, null])))],
  ];
}

/** Media types a command must refuse (or read as JSON), never choke on. */
const CONTENT_TYPES: Array<[string, Array<[string, string]>]> = [
  ['text/plain', [['Content-Type', 'text/plain']]],
  ['form', [['Content-Type', 'application/x-www-form-urlencoded']]],
  ['multipart', [['Content-Type', 'multipart/form-data; boundary=xyz']]],
  ['xml', [['Content-Type', 'application/xml']]],
  ['json with utf-16', [['Content-Type', 'application/json; charset=utf-16']]],
  ['json+text list', [['Content-Type', 'application/json, text/plain']]],
  ['uppercase JSON', [['Content-Type', 'APPLICATION/JSON']]],
  ['vendor json', [['Content-Type', 'application/vnd.ledger+json']]],
  ['empty media type', [['Content-Type', '']]],
  ['no media type', []],
  [
    'two media types',
    [
      ['Content-Type', 'application/json'],
      ['Content-Type', 'text/plain'],
    ],
  ],
  [
    'gzip',
    [
      ['Content-Type', 'application/json'],
      ['Content-Encoding', 'gzip'],
    ],
  ],
  [
    'unknown encoding',
    [
      ['Content-Type', 'application/json'],
      ['Content-Encoding', 'br, x-evil'],
    ],
  ],
];

/** Path parameter values: not ids, encoded separators, NUL, unicode, prototype names, too long. */
const HOSTILE_PATH_VALUES = [
  '%00',
  'a%00b',
  'A',
  '..',
  '%2e%2e',
  '.',
  'a%2Fb',
  '%2F',
  '%5C',
  '%E2%82%AC',
  '%F0%9F%92%A5',
  '%ff',
  '%',
  '%zz',
  '%20',
  '-1',
  '1e3',
  '0',
  '0x10',
  '99999999999999999999999999',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'x'.repeat(129),
  'x'.repeat(300),
  'a;b',
  'a%3Bb',
  '%3Cscript%3E',
];

/** Query values sent for every documented query parameter, and some undocumented ones. */
function hostileQueries(name: string): string[] {
  return [
    `${name}[]=2024-01-01`,
    `${name}[0]=1`,
    `${name}[__proto__]=1`,
    `${name}=2024-01-01&${name}=2024-01-02`,
    `${name}=`,
    name,
    `${name}=99999999999999999999999999`,
    `${name}=-1`,
    `${name}=1e3`,
    `${name}=NaN`,
    `${name}=0x10`,
    `${name}=%00`,
    `${name}=%E2%82%AC`,
    `${name}=%ff`,
    `${name}=%`,
    `${name}=${'9'.repeat(4_000)}`,
    `${name}=2024-02-30`,
    `${name}=275760-09-13T00:00:00Z`,
    `${name}=%2B275760-09-13T00:00:00Z`,
    `${name}=2024-01-01T00:00:00%2B99:99`,
    `${name}=2024-01-01T00:00:00+08:00`,
    `${name}=2024-01-01T00:00:00+%2B08:00`,
    `${name}=__proto__`,
  ];
}
const UNDOCUMENTED_QUERIES = [
  '__proto__=1',
  '__proto__[polluted]=1',
  'constructor[prototype][polluted]=1',
  'toString=1',
  `${'a'.repeat(2_000)}=1`,
  '&&&',
  '=1',
  '%00=1',
];

/** Authorization values: none of them may pass as anything but what it is. */
const ODD_AUTHORIZATION: Array<[string, Array<[string, string]>]> = [
  ['Bearer alone', [['Authorization', 'Bearer']]],
  ['Bearer and a space', [['Authorization', 'Bearer ']]],
  ['empty', [['Authorization', '']]],
  ['tab separated', [['Authorization', `Bearer\t${HARNESS_API_KEY}`]]],
  ['key and more', [['Authorization', `${AUTH} extra`]]],
  ['key and a comma', [['Authorization', `${AUTH},`]]],
  ['two credentials in one header', [['Authorization', `${AUTH}, Bearer not-a-key-0123456789`]]],
  ['very long', [['Authorization', `Bearer ${'k'.repeat(8_000)}`]]],
  ['over the header limit', [['Authorization', `Bearer ${'k'.repeat(20_000)}`]]],
  ['latin-1 bytes', [['Authorization', `Bearer ${HARNESS_API_KEY}\xe9`]]],
  ['Basic', [['Authorization', `Basic ${Buffer.from(`harness:${HARNESS_API_KEY}`).toString('base64')}`]]],
  ['the key without a scheme', [['Authorization', HARNESS_API_KEY]]],
  ['a prefix of the key', [['Authorization', `Bearer ${HARNESS_API_KEY.slice(0, -1)}`]]],
  ['the key twice', [['Authorization', `Bearer ${HARNESS_API_KEY}${HARNESS_API_KEY}`]]],
  [
    'valid then invalid',
    [
      ['Authorization', AUTH],
      ['Authorization', 'Bearer not-a-key-0123456789'],
    ],
  ],
  [
    'invalid then valid',
    [
      ['Authorization', 'Bearer not-a-key-0123456789'],
      ['Authorization', AUTH],
    ],
  ],
  [
    'valid twice',
    [
      ['Authorization', AUTH],
      ['Authorization', AUTH],
    ],
  ],
];

/** Other headers: duplicated, malformed, oversized. Sent with a valid key. */
const ODD_HEADERS: Array<[string, Array<[string, string]>]> = [
  [
    'two If-Match',
    [
      ['If-Match', '"0"'],
      ['If-Match', '"1"'],
    ],
  ],
  ['If-Match list', [['If-Match', '"0", "1"']]],
  ['If-Match *', [['If-Match', '*']]],
  ['weak If-Match', [['If-Match', 'W/"0"']]],
  ['unquoted If-Match', [['If-Match', '0']]],
  ['huge If-Match', [['If-Match', `"${'9'.repeat(40)}"`]]],
  ['negative If-Match', [['If-Match', '"-1"']]],
  ['empty If-Match', [['If-Match', '']]],
  [
    'two correlation ids',
    [
      ['X-Correlation-Id', 'a'],
      ['X-Correlation-Id', 'b'],
    ],
  ],
  ['long correlation id', [['X-Correlation-Id', 'c'.repeat(5_000)]]],
  ['correlation id with latin-1', [['X-Correlation-Id', 'caf\xe9']]],
  ['empty correlation id', [['X-Correlation-Id', '']]],
  ['two hosts', [['Host', 'evil.example']]],
  ['Expect', [['Expect', '100-continue']]],
  ['Accept nothing JSON', [['Accept', 'application/xml']]],
  ['X-Forwarded-For spoof', [['X-Forwarded-For', '127.0.0.1, evil']]],
  ['X-HTTP-Method-Override', [['X-HTTP-Method-Override', 'DELETE']]],
];

/** The ids the seeded ledger knows, for the documented path parameters. */
const KNOWN_PATH_VALUES: Record<string, string> = {
  pairId: 'hx-pair',
  projectId: 'hx-proj',
  disbursementId: 'hx-d1',
  reportId: 'hx-r1',
  position: '1',
};

/** Statuses the HTTP layer itself answers for any route (body, headers, URL), not listed per operation. */
const TRANSPORT_STATUSES = new Set([431]);

describe('hostile input on every documented route (never a 5xx, always the error shape, nothing appended)', () => {
  // A short minPosition wait: a huge minPosition is refused in 200 ms rather than 5 s. The batteries send thousands of
  // bad Authorization headers from one address, to see each refused as such: the failure budget (failed-authentications
  // .e2e.spec.ts) would answer most of them 429 instead.
  const ledger = ledgerPerSuite({ READ_WAIT_TIMEOUT_MS: '200', AUTH_FAILURE_LIMIT: '1000000' });
  let api: LedgerUnderTest;
  let document: Document;
  let operations: Array<{ method: string; path: string; operation: Operation }>;
  let head: number;

  beforeAll(async () => {
    api = ledger();
    expect((await api.post('/partner-pairs', pairBody('hx-pair'))).status).toBe(201);
    expect((await api.post('/projects', projectBody('hx-proj', 'hx-pair', '1000.00'))).status).toBe(201);
    expect((await api.post('/projects/hx-proj/disbursements', disbursementBody('hx-d1', '100.00'))).status).toBe(201);
    expect((await api.post('/projects/hx-proj/jobs', jobsBody('hx-r1', 5))).status).toBe(201);
    // The pair the documented examples name, established after the example's signing date: the example
    // bodies of POST /partner-pairs (409) and POST /projects (422) are refused, whatever one field says.
    expect((await api.post('/partner-pairs', pairBody('shanghai-sanming', { establishedOn: '2025-01-01' }))).status).toBe(201);
    document = (await api.get('/docs/openapi.json', { authorization: '' })).body as Document;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
    );
    head = await api.head();
  });

  /** Checks one answer; problems are collected so that one run lists all of them. */
  async function check(problems: string[], label: string, operation: Operation, reply: RawReply): Promise<void> {
    const where = `${label} → ${reply.status} ${reply.text.slice(0, 160)}`;
    if (reply.status >= 500) problems.push(`5xx: ${where}`);
    if (reply.status >= 400) {
      const body = reply.body as Record<string, unknown>;
      const shaped =
        typeof body === 'object' &&
        body !== null &&
        body.statusCode === reply.status &&
        typeof body.error === 'string' &&
        typeof body.code === 'string' &&
        typeof body.message === 'string';
      if (!shaped) problems.push(`not the error shape: ${where}`);
      if (!(reply.headers['content-type'] ?? '').startsWith('application/json')) problems.push(`error not JSON: ${where}`);
      if (!TRANSPORT_STATUSES.has(reply.status)) {
        const documented = operation.responses[String(reply.status)];
        const media = documented?.content?.['application/json'];
        const codes = [...Object.values(media?.examples ?? {}).map((example) => example.value.code), media?.example?.code];
        if (!documented) problems.push(`status not documented for the operation: ${where}`);
        else if (shaped && !codes.includes(body.code as string))
          problems.push(`code ${String(body.code)} not documented for ${reply.status} (${codes.join(', ')}): ${where}`);
      }
    }
    const now = await api.head();
    if (now !== head) {
      problems.push(`appended ${now - head} event(s): ${where}`);
      head = now;
    }
  }

  /**
   * The path with the given values, the rest filled with ids the ledger knows (reads) or with
   * unknown ones (commands: so that even a hostile variant that validation let through is refused
   * with 404 and cannot append).
   */
  function pathFor(path: string, values: Record<string, string>, operation?: Operation): string {
    const fill = (name: string) => (operation?.requestBody ? 'hx-unknown' : (KNOWN_PATH_VALUES[name] ?? 'hx-unknown'));
    return path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? fill(name));
  }

  function commandBody(operation: Operation): Record<string, unknown> | null {
    const schema = operation.requestBody?.content['application/json']?.schema;
    return schema ? (exampleOf(document, schema) as Record<string, unknown>) : null;
  }

  /** Sends each case for each operation, with the operation's example body (if it takes one). */
  async function battery(
    cases: (op: { method: string; path: string; operation: Operation; body: Record<string, unknown> | null }) => Array<{
      label: string;
      target: string;
      headers?: Array<[string, string]>;
      body?: string | Buffer;
      expect?: (reply: RawReply) => void;
    }>,
  ): Promise<string[]> {
    const problems: string[] = [];
    for (const { method, path, operation } of operations) {
      const body = commandBody(operation);
      for (const request of cases({ method, path, operation, body })) {
        const headers = request.headers ?? [['Authorization', AUTH]];
        const sent = request.body ?? (body ? JSON.stringify(body) : undefined);
        const withType: Array<[string, string]> =
          sent !== undefined && !headers.some(([name]) => name.toLowerCase() === 'content-type') && request.headers === undefined
            ? [...headers, ['Content-Type', 'application/json']]
            : headers;
        const reply = await raw(api.url, method, request.target, withType, sent);
        request.expect?.(reply);
        await check(problems, `${method} ${path} [${request.label}] ${request.target.slice(0, 120)}`, operation, reply);
      }
    }
    return problems;
  }

  it('the document lists the routes this battery must reach', () => {
    // The battery is only as good as the document: a sanity floor, so that an empty document cannot pass.
    expect(operations.length).toBeGreaterThanOrEqual(20);
    expect(operations.filter(({ operation }) => operation.requestBody).length).toBeGreaterThanOrEqual(9);
    expect(operations.some(({ path }) => path === '/audit/verify')).toBe(true);
  });

  it("each command's documented example body is refused on the seeded ledger, so no hostile variant of it can append", async () => {
    const problems: string[] = [];
    for (const { method, path, operation } of operations.filter(({ operation }) => operation.requestBody)) {
      const reply = await raw(
        api.url,
        method,
        pathFor(path, {}, operation),
        [
          ['Authorization', AUTH],
          ['Content-Type', 'application/json'],
        ],
        JSON.stringify(commandBody(operation)),
      );
      if (![404, 409, 422].includes(reply.status)) problems.push(`${method} ${path} → ${reply.status} ${reply.text.slice(0, 160)}`);
      await check(problems, `${method} ${path} [example body]`, operation, reply);
    }
    expect(problems).toEqual([]);
  });

  it('bad path parameters are refused with 400 or 404 (414 when too long), never reaching the store', async () => {
    const problems = await battery(({ path }) =>
      [...path.matchAll(/\{([^}]+)\}/g)].flatMap(([, name]) =>
        HOSTILE_PATH_VALUES.map((value) => ({ label: `${name}=${value.slice(0, 20)}`, target: pathFor(path, { [name]: value }) })),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('malformed, duplicated, array and oversized query values are refused, not misread', async () => {
    const problems = await battery(({ path, operation }) => {
      const names = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
      const queries = [...names.flatMap(hostileQueries), ...UNDOCUMENTED_QUERIES];
      return queries.map((query) => ({ label: query.slice(0, 40), target: `${pathFor(path, {}, operation)}?${query}` }));
    });
    expect(problems).toEqual([]);
  });

  it('a query parameter an endpoint does not read is refused: a misspelt or bracketed ?asOf never answers live figures', async () => {
    for (const query of ['asof=2024-06-30', 'asOf[]=2024-06-30', 'AsOf=2024-06-30', 'as_of=2024-06-30', 'knownat=2024-01-01T00:00:00Z']) {
      for (const path of ['/partner-pairs/hx-pair/summary', '/projects/hx-proj']) {
        const reply = await api.get(`${path}?${query}`);
        expect({ query, path, status: reply.status, code: reply.body.code }).toEqual({ query, path, status: 400, code: 'invalid-request' });
        expect(reply.body.fields).toEqual([{ field: query.split('=')[0], problems: ['is not a query parameter of this endpoint'] }]);
      }
    }
    // Declared parameters still work, and authentication still comes first.
    expect((await api.get('/projects/hx-proj?asOf=2024-06-30&minPosition=1')).body).toMatchObject({
      asOf: '2024-06-30',
      delivered: { amount: '100.00' },
    });
    expect((await api.get('/projects/hx-proj?asof=2024-06-30', { authorization: '' })).status).toBe(401);
    expect((await api.get('/health/live?verbose=1')).status).toBe(400);
  });

  it('hostile whole bodies are refused before anything is appended', async () => {
    const problems = await battery(({ path, operation, body }) => {
      const target = pathFor(path, {}, operation);
      return hostileBodies(body ?? { x: 1 }).map(([label, text]) => ({ label: `body ${label}`, target, body: text }));
    });
    expect(problems).toEqual([]);
  });

  /**
   * Each field's hostile values are sent where nothing but validation can refuse them: existing path ids,
   * new ids in the body, every other field valid (the same body is accepted at the end, 201). So a value
   * validation lets through is accepted or refused by the domain (404/409/422), and fails here: each
   * hostile value must be the 400 invalid-request whose `fields` names the field. Values the documented
   * schema allows for the field (a free-text title may read "constructor"; an optional field may be null)
   * are not hostile to it and are not sent.
   */
  it('every body field set to a hostile value is refused by validation, with a 400 naming the field', async () => {
    expect((await api.post('/partner-pairs', pairBody('hv-pair', { establishedOn: '2022-01-01' }))).status).toBe(201);
    const project = async (projectId: string) => {
      expect((await api.post('/projects', projectBody(projectId, 'hv-pair', '1000.00'))).status).toBe(201);
      expect((await api.post(`/projects/${projectId}/disbursements`, disbursementBody('hv-d1', '100.00'))).status).toBe(201);
      expect((await api.post(`/projects/${projectId}/jobs`, jobsBody('hv-r1', 5))).status).toBe(201);
    };
    // One project per command, so that accepting one (the control at the end) cannot refuse another.
    const valid: Record<string, { target: string; body: Record<string, unknown> }> = {
      'POST /partner-pairs': {
        target: '/partner-pairs',
        body: { ...pairBody('hv-new-pair'), parentPairId: 'hv-pair', establishedOn: '2023-01-01' },
      },
      'POST /projects': {
        target: '/projects',
        body: projectBody('hv-new-project', 'hv-pair', '500.00', { occasion: 'a joint meeting', investor: 'an enterprise' }),
      },
      'POST /projects/{projectId}/disbursements': {
        target: '/projects/hv-disburse/disbursements',
        body: disbursementBody('hv-d2', '10.00'),
      },
      'POST /projects/{projectId}/jobs': { target: '/projects/hv-jobs/jobs', body: jobsBody('hv-r2', 3) },
      'POST /projects/{projectId}/milestones': {
        target: '/projects/hv-milestone/milestones',
        body: { milestone: 'landed', reachedOn: '2024-06-01' },
      },
      'POST /projects/{projectId}/cancellation': {
        target: '/projects/hv-cancel/cancellation',
        body: { reason: 'the investor withdrew', cancelledOn: '2024-07-01' },
      },
      'POST /projects/{projectId}/pledge-revisions': {
        target: '/projects/hv-revise/pledge-revisions',
        body: { revisionId: 'hv-rev1', pledged: { amount: '2000.00', currency: 'CNY' }, reason: 'second phase', revisedOn: '2024-07-01' },
      },
      'POST /projects/{projectId}/disbursements/{disbursementId}/corrections': {
        target: '/projects/hv-correct-d/disbursements/hv-d1/corrections',
        body: {
          correctionId: 'hv-c1',
          amount: { amount: '90.00', currency: 'CNY' },
          reason: 'the bank statement',
          correctedOn: '2024-07-01',
        },
      },
      'POST /projects/{projectId}/jobs/{reportId}/corrections': {
        target: '/projects/hv-correct-j/jobs/hv-r1/corrections',
        body: { correctionId: 'hv-c2', jobs: 4, reason: 'counted twice', correctedOn: '2024-07-15' },
      },
    };
    for (const id of ['hv-disburse', 'hv-jobs', 'hv-milestone', 'hv-cancel', 'hv-revise', 'hv-correct-d', 'hv-correct-j'])
      await project(id);
    head = await api.head();

    const commands = operations.filter(({ operation }) => operation.requestBody);
    // A documented command without a valid body here fails, so a new command is covered the day it is documented.
    expect(commands.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(Object.keys(valid).sort());

    const problems: string[] = [];
    for (const { method, path, operation } of commands) {
      const { target, body } = valid[`${method} ${path}`];
      const schema = resolveSchema(document, operation.requestBody!.content['application/json'].schema);
      // Every documented field (optional ones too) is in the valid body, so every field is attacked.
      expect({ path, fields: Object.keys(body).sort() }).toEqual({ path, fields: Object.keys(schema.properties ?? {}).sort() });
      const cases: Array<{ field: string; label: string; sent: Record<string, unknown> }> = [];
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        const fieldSchema = resolveSchema(document, property);
        const optional = !(schema.required ?? []).includes(field);
        for (const [label, value] of HOSTILE_VALUES) {
          const hostile = Array.isArray(value) && value[0] === '__example__' ? [body[field]] : value;
          if (documentedAccepts(fieldSchema, property, optional, hostile)) continue;
          cases.push({ field, label: `${field}: ${label}`, sent: { ...body, [field]: hostile } });
        }
        // Nested objects (money, regions) get the same treatment one level down.
        for (const [inner, innerProperty] of Object.entries(fieldSchema.properties ?? {})) {
          const innerSchema = resolveSchema(document, innerProperty);
          const innerOptional = !(fieldSchema.required ?? []).includes(inner);
          for (const [label, value] of HOSTILE_VALUES) {
            const original = (body[field] as Record<string, unknown>)[inner];
            const hostile = Array.isArray(value) && value[0] === '__example__' ? [original] : value;
            if (documentedAccepts(innerSchema, innerProperty, innerOptional, hostile)) continue;
            cases.push({
              field: `${field}.${inner}`,
              label: `${field}.${inner}: ${label}`,
              sent: { ...body, [field]: { ...(body[field] as object), [inner]: hostile } },
            });
          }
        }
      }
      for (const { field, label, sent } of cases) {
        const reply = await raw(
          api.url,
          method,
          target,
          [
            ['Authorization', AUTH],
            ['Content-Type', 'application/json'],
          ],
          JSON.stringify(sent),
        );
        await check(problems, `${method} ${path} [${label}]`, operation, reply);
        const answer = reply.body as { code?: string; fields?: Array<{ field: string }> };
        // The field itself, or (for an object) a field inside it; a money field is named whole (pledged, not pledged.amount).
        const named = (answer.fields ?? []).some(
          ({ field: name }) => name === field || name.startsWith(`${field}.`) || name === field.split('.')[0],
        );
        // Refused whole by the body parser, before any field is read: deeper than the nesting limit, or a prototype key.
        const refusedWhole =
          /(nested 40 levels|object with a prototype key)$/.test(label) && reply.status === 400 && answer.code === 'invalid-body';
        if (!refusedWhole && !(reply.status === 400 && answer.code === 'invalid-request' && named))
          problems.push(`not a 400 naming ${field}: ${method} ${target} [${label}] → ${reply.status} ${reply.text.slice(0, 160)}`);
      }
    }
    expect(problems).toEqual([]);

    // The control: the valid bodies are accepted where the hostile ones were sent, so validation alone refused them.
    for (const { method, path } of commands) {
      const { target, body } = valid[`${method} ${path}`];
      const reply = await api.send(method, target, JSON.stringify(body), { 'content-type': 'application/json' });
      expect({ path, status: reply.status, body: reply.body }).toMatchObject({ path, status: 201 });
    }
    head = await api.head();
  });

  it('wrong, missing, duplicated and compressed content types are refused (415 or 400)', async () => {
    const problems = await battery(({ path, method, operation, body }) =>
      method === 'GET'
        ? []
        : CONTENT_TYPES.map(([label, headers]) => ({
            label,
            target: pathFor(path, {}, operation),
            headers: [['Authorization', AUTH], ...headers] as Array<[string, string]>,
            body: JSON.stringify(body ?? {}),
          })),
    );
    expect(problems).toEqual([]);
  });

  it('odd, duplicated, oversized Authorization headers: 401 on secured routes (431 over the limit), ignored on public ones', async () => {
    const misread: string[] = [];
    const problems = await battery(({ method, path, operation, body }) =>
      ODD_AUTHORIZATION.map(([label, headers]) => ({
        label,
        target: pathFor(path, {}, operation),
        headers: body ? ([...headers, ['Content-Type', 'application/json']] as Array<[string, string]>) : headers,
        body: body ? '{}' : undefined,
        expect: (reply: RawReply) => {
          const expected = label === 'over the header limit' ? 431 : operation['x-access'] === 'public' ? null : 401;
          const wrong = expected === null ? reply.status === 401 || reply.status === 403 : reply.status !== expected;
          if (wrong) misread.push(`${method} ${path} [${label}] → ${reply.status}, expected ${expected ?? 'no 401/403'}`);
        },
      })),
    );
    expect([...problems, ...misread]).toEqual([]);
  });

  it('the bearer scheme is read case-insensitively, with one or more spaces before the key (RFC 9110)', async () => {
    const misread: string[] = [];
    const accepted = [`bearer ${HARNESS_API_KEY}`, `BEARER ${HARNESS_API_KEY}`, `Bearer  ${HARNESS_API_KEY}`];
    const problems = await battery(({ method, path, operation, body }) =>
      operation['x-access'] === 'public'
        ? []
        : accepted.map((authorization) => ({
            label: authorization.replace(HARNESS_API_KEY, '<key>'),
            target: pathFor(path, {}, operation),
            headers: [
              ['Authorization', authorization],
              ...(body ? ([['Content-Type', 'application/json']] as Array<[string, string]>) : []),
            ],
            body: body ? '{}' : undefined,
            expect: (reply: RawReply) => {
              if (reply.status === 401 || reply.status === 403)
                misread.push(`${method} ${path} [${authorization.replace(HARNESS_API_KEY, '<key>')}] → ${reply.status}`);
            },
          })),
    );
    expect([...problems, ...misread]).toEqual([]);
  });

  it('duplicated or malformed If-Match, correlation ids and other headers are refused or ignored, never a 5xx', async () => {
    const problems = await battery(({ path, operation, body }) =>
      ODD_HEADERS.map(([label, headers]) => ({
        label,
        target: pathFor(path, {}, operation),
        headers: [
          ['Authorization', AUTH],
          ...(body ? ([['Content-Type', 'application/json']] as Array<[string, string]>) : []),
          ...headers,
        ],
        body: body ? JSON.stringify(body) : undefined,
      })),
    );
    expect(problems).toEqual([]);
  });

  it("what Node's HTTP parser refuses (headers over the limit, a request that is not HTTP) is answered in the error shape", async () => {
    const refusals = [
      {
        label: 'headers over the limit',
        reply: await raw(api.url, 'GET', '/partner-pairs', [
          ['Authorization', AUTH],
          ['X-Padding', 'p'.repeat(20_000)],
        ]),
        status: 431,
        code: 'headers-too-large',
      },
      {
        label: 'a space in the target',
        reply: await raw(api.url, 'GET', '/partner-pairs/hx-pair/summary?asOf=2024-01-01 08:00', [['Authorization', AUTH]]),
        status: 400,
        code: 'invalid-request',
      },
      {
        label: 'a control character in a header',
        reply: await raw(api.url, 'GET', '/partner-pairs', [['Authorization', `${AUTH}\u0001`]]),
        status: 400,
        code: 'invalid-request',
      },
      {
        label: 'a header without a colon',
        reply: await raw(api.url, 'GET', '/partner-pairs', [
          ['Authorization', AUTH],
          ['X-Broken\r\nno colon here', 'x'],
        ]),
        status: 400,
        code: 'invalid-request',
      },
      {
        label: 'two Content-Length',
        reply: await raw(
          api.url,
          'POST',
          '/partner-pairs',
          [
            ['Authorization', AUTH],
            ['Content-Type', 'application/json'],
            ['Content-Length', '1'],
          ],
          '{}',
        ),
        status: 400,
        code: 'invalid-request',
      },
    ];
    for (const { label, reply, status, code } of refusals) {
      expect({ label, status: reply.status, body: reply.body }).toEqual({
        label,
        status,
        body: { statusCode: status, error: expect.any(String), code, message: expect.any(String) },
      });
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
    }
    expect(await api.head()).toBe(head);
  });

  it('the store is exactly as the seeding left it, and still answers', async () => {
    expect(await api.head()).toBe(head);
    const project = await api.get('/projects/hx-proj');
    expect(project.status).toBe(200);
    expect(project.body).toMatchObject({ delivered: { amount: '100.00', currency: 'CNY' }, jobsCreated: 5, revision: 2 });
  });
});
