import 'reflect-metadata';
import { HttpException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { LedgerConfig } from './config.js';
import { DOCS_PATH, serveOpenApiDocs } from './docs/openapi-docs.js';
import { effectiveAccess, routeAccessOf } from './http/access.js';
import { WWW_AUTHENTICATE, authenticate } from './http/access.guard.js';
import { ApiKeyRing } from './http/api-keys.js';
import { LedgerErrorFilter, errorBody } from './http/error.filter.js';
import { correlationIdOf } from './http/request-context.js';
import { FailedAuthentications } from './http/failed-authentications.js';
import { BASELINE_SECURITY_HEADERS, registerSecurityHeaders } from './http/security-headers.js';
import { JsonObjectBodyPipe, ledgerValidationPipe } from './http/validation.js';
import { writeAccessLine } from './observability/access-log.js';
import { LedgerMetrics } from './observability/ledger-metrics.js';

/**
 * Builds the API on Fastify (Nest's lightest HTTP adapter), with the
 * ledger's validation and error handling. Only JSON bodies are parsed (by
 * Fastify's own parser, which refuses prototype keys): form and text bodies
 * get 415, so no browser form can post a command.
 *
 * Logs go through nestjs-pino (LOG_FORMAT and LOG_LEVEL; `logs: false` for
 * none): every line written while a request is handled carries its
 * correlation id, and each request ends with one access line. Requests and
 * commands are counted in the app's own metrics registry.
 *
 * Without the `api` role (LEDGER_ROLES) the same app serves only its probes
 * and metrics (404 for everything else): a relay or projections process still
 * needs a liveness probe for compose or Kubernetes.
 *
 * A request to a route that needs a key is refused (401) in `onRequest`,
 * before its body is read or parsed; the access guard checks the role later.
 * The server cuts off a client that trickles its headers or body, idles, or
 * opens connections without end (config.serverLimits).
 */
export async function createLedgerApp(config: LedgerConfig, logs?: false): Promise<NestFastifyApplication> {
  const limits = config.serverLimits;
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    logger: false,
    // Whose X-Forwarded-For names the client (request.ip): nobody's by default, so no client can choose its address.
    trustProxy: trustProxyOf(config),
    // Node checks the request and header deadlines every connectionsCheckingInterval: a tenth of the shorter one (at most
    // a second), so a trickling client is cut off within about 1.1 × the deadline.
    requestTimeout: limits.requestTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10)),
      ),
    },
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    // Ids may be 128 characters: room for them in path parameters.
    routerOptions: { maxParamLength: 256 },
    // The router's own refusals (malformed URL, over-long parameter) in the ledger's error shape.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      void reply
        .code(status)
        .headers(BASELINE_SECURITY_HEADERS)
        .send(errorBody(status, 'invalid-request', error.code === 'FST_ERR_BAD_URL' ? 'malformed URL' : 'a path parameter is too long'));
    },
    // What Node's HTTP parser refuses before any route sees it (headers over the size limit, a malformed request line),
    // in the ledger's error shape.
    clientErrorHandler: answerClientError,
  });
  const fastify = adapter.getInstance();
  // First: every answer from here on carries the security headers, refusals made in hooks included.
  await registerSecurityHeaders(fastify, { hstsMaxAgeSeconds: config.hstsMaxAgeSeconds, docsPath: DOCS_PATH });
  const failedAuthentications = await FailedAuthentications.register(fastify, config.authFailureBudget);
  /** Enters each request's logging context (nestjs-pino), bound to its correlation id; set once the app exists. */
  let requestLogs: PinoLogger | undefined;
  /** The API keys; set once the app exists (no request arrives before). */
  let keys: ApiKeyRing | undefined;
  fastify.server.maxConnections = limits.maxConnections;
  fastify.removeContentTypeParser('text/plain');
  // One callback hook per request (no promise): a refusal is sent without calling `done`; otherwise, from here on,
  // whatever handles the request (and logs) knows its correlation id.
  const servesApi = config.roles.has('api');
  fastify.addHook('onRequest', (request, reply, done) => {
    // Without the api role (LEDGER_ROLES) the process answers its probes and metrics only.
    if (!servesApi && !PROBE_PATHS.test(request.url)) {
      void reply
        .code(404)
        .send(errorBody(404, 'not-found', `this instance (${config.instanceId}) does not serve the API: ${notServed(config)}`));
      return;
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      void reply.code(415).send(errorBody(415, 'unsupported-media-type', 'compressed request bodies are not accepted'));
      return;
    }
    const correlationId = correlationIdOf(request);
    if (correlationId === null) {
      void reply.code(400).send(errorBody(400, 'invalid-header', 'X-Correlation-Id must be 1-128 letters, digits or ._:-'));
      return;
    }
    (request as { correlationId?: string }).correlationId = correlationId;
    void reply.header('x-correlation-id', correlationId);
    const access = routeAccessOf(request);
    if (keys !== undefined && access !== undefined && effectiveAccess(access, config) !== 'public') {
      const principal = authenticate(request, keys);
      if (typeof principal === 'string') {
        // In the request's logging context, so the failure's log line carries its correlation id.
        const refuse = () => void refuseUnauthenticated(failedAuthentications, request, reply, principal);
        if (requestLogs === undefined) refuse();
        else requestLogs.runInContext(refuse, { bindings: { correlationId } });
        return;
      }
    }
    if (requestLogs === undefined) done();
    else requestLogs.runInContext(done, { bindings: { correlationId } });
  });
  let metrics: LedgerMetrics | undefined;
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? null;
    const status = reply.statusCode;
    const durationMs = Math.round(reply.elapsedTime * 1000) / 1000;
    metrics?.requestAnswered(request.method, route ?? 'unmatched', status, durationMs / 1000);
    if (logs !== false) {
      const correlationId = (request as { correlationId?: string }).correlationId;
      const path = request.url.split('?')[0];
      writeAccessLine({ method: request.method, route, path, status, durationMs, correlationId, clientAddress: request.ip });
    }
    done();
  });
  const options = logs === false ? { logger: false as const } : { bufferLogs: true };
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, failedAuthentications), adapter, {
    ...options,
    bodyParser: false,
  });
  if (logs !== false) {
    app.useLogger(app.get(Logger));
    requestLogs = await app.resolve(PinoLogger);
  }
  metrics = app.get(LedgerMetrics);
  keys = app.get(ApiKeyRing);
  app.useGlobalPipes(new JsonObjectBodyPipe(), ledgerValidationPipe());
  // After the access guard (401/403 first), before any pipe or handler.
  app.useGlobalFilters(new LedgerErrorFilter());
  app.enableShutdownHooks();
  // Swagger UI at /docs, the OpenAPI document at /docs/openapi.json.
  serveOpenApiDocs(app);
  return app;
}

/**
 * A request without a valid key, refused in onRequest (before its body is read): counted against its
 * address's budget of failed authentications like the guard's refusals, so 401, or 429 with Retry-After
 * once the address has used its budget.
 */
async function refuseUnauthenticated(
  failures: FailedAuthentications,
  request: FastifyRequest,
  reply: FastifyReply,
  reason: string,
): Promise<void> {
  try {
    await failures.refuseIfExhausted(request, reply);
    await failures.record(request, reply, reason);
  } catch (error) {
    if (!(error instanceof HttpException) || error.getStatus() !== 429) throw error;
    const { message } = error.getResponse() as { message: string };
    void reply.code(429).send(errorBody(429, 'too-many-failed-authentications', message));
    return;
  }
  void reply
    .code(401)
    .header('www-authenticate', WWW_AUTHENTICATE)
    .send(errorBody(401, 'unauthenticated', reason));
}

/** TRUST_PROXY as Fastify takes it (a count of proxies as a function of the hop: Fastify's types have no number). */
function trustProxyOf({ trustProxy }: LedgerConfig): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trustProxy === false) return false;
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return [...trustProxy];
}

/** What a process without the api role answers: liveness and readiness probes for orchestrators, and metrics. */
const PROBE_PATHS = /^\/(health|health\/live|health\/ready|metrics)(\?|$)/;

function notServed(config: LedgerConfig): string {
  return `its roles are ${[...config.roles].join(',')} (LEDGER_ROLES); it answers only /health, /health/live, /health/ready and /metrics`;
}

/**
 * Answers a request Node's HTTP parser refused (as Fastify's default does, but
 * in the ledger's error shape): 431 for headers over the size limit, 408 for a
 * request not received in time, 400 for anything else that is not HTTP.
 */
const securityHeaderLines = Object.entries(BASELINE_SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers-too-large', 'the request headers exceed the size limit']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request-timeout', 'the request was not received in time']
        : [400, 'invalid-request', 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(status, code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\n${securityHeaderLines}Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
