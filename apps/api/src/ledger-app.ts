import 'reflect-metadata';
import { type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import type { LedgerConfig } from './config.js';
import { LedgerErrorFilter } from './http/error.filter.js';
import { correlationIdOf } from './http/request-context.js';
import { JsonObjectBodyPipe, ledgerValidationPipe } from './http/validation.js';

/** Builds the API on Fastify (Nest's lightest HTTP adapter), with the ledger's validation and error handling. */
export async function createLedgerApp(config: LedgerConfig, logger: LogLevel[] | false = ['log', 'warn', 'error']): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, logger: false });
  adapter.getInstance().addHook('onRequest', async (request, reply) => {
    const correlationId = correlationIdOf(request);
    (request as { correlationId?: string }).correlationId = correlationId;
    void reply.header('x-correlation-id', correlationId);
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger });
  app.useGlobalPipes(new JsonObjectBodyPipe(), ledgerValidationPipe());
  app.useGlobalFilters(new LedgerErrorFilter());
  app.enableShutdownHooks();
  return app;
}
