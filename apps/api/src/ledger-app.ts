import 'reflect-metadata';
import { type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import type { LedgerConfig } from './config.js';
import { serveOpenApiDocs } from './docs/openapi-docs.js';
import { LedgerErrorFilter, errorBody } from './http/error.filter.js';
import { correlationIdOf } from './http/request-context.js';
import { JsonObjectBodyPipe, ledgerValidationPipe } from './http/validation.js';

/**
 * Builds the API on Fastify (Nest's lightest HTTP adapter), with the
 * ledger's validation and error handling. Only JSON bodies are parsed (by
 * Fastify's own parser, which refuses prototype keys): form and text bodies
 * get 415, so no browser form can post a command.
 */
export async function createLedgerApp(config: LedgerConfig, logger: LogLevel[] | false = ['log', 'warn', 'error']): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    logger: false,
    // Ids may be 128 characters: room for them in path parameters.
    routerOptions: { maxParamLength: 256 },
    // The router's own refusals (malformed URL, over-long parameter) in the ledger's error shape.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      void reply.code(status).send(errorBody(status, 'invalid-request', error.code === 'FST_ERR_BAD_URL' ? 'malformed URL' : 'a path parameter is too long'));
    },
  });
  const fastify = adapter.getInstance();
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', async (request, reply) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      return reply.code(415).send(errorBody(415, 'unsupported-media-type', 'compressed request bodies are not accepted'));
    }
    const correlationId = correlationIdOf(request);
    if (correlationId === null) {
      return reply.code(400).send(errorBody(400, 'invalid-header', 'X-Correlation-Id must be 1-128 letters, digits or ._:-'));
    }
    (request as { correlationId?: string }).correlationId = correlationId;
    void reply.header('x-correlation-id', correlationId);
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger, bodyParser: false });
  app.useGlobalPipes(new JsonObjectBodyPipe(), ledgerValidationPipe());
  app.useGlobalFilters(new LedgerErrorFilter());
  app.enableShutdownHooks();
  // Swagger UI at /docs, the OpenAPI document at /docs/openapi.json.
  serveOpenApiDocs(app);
  return app;
}
