import 'reflect-metadata';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { requireBearerKey } from './bearer-key.js';
import type { SubscriberConfig } from './config.js';
import { LedgerConsumer } from './ledger-consumer.js';
import { SubscriberHttpController } from './subscriber.http.controller.js';

@Module({})
class SubscriberModule {
  static forRoot(config: SubscriberConfig): DynamicModule {
    return {
      module: SubscriberModule,
      controllers: [SubscriberHttpController],
      providers: [{ provide: LedgerConsumer, useFactory: () => new LedgerConsumer(config) }],
    };
  }
}

/** An example subscriber: what another team copies to build its own view of the ledger's events. */
export async function createSubscriberApp(
  config: SubscriberConfig,
  logger: false | undefined = undefined,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    SubscriberModule.forRoot(config),
    new FastifyAdapter(),
    logger === false ? { logger: false } : {},
  );
  requireBearerKey(app.getHttpAdapter().getInstance(), config.apiKey);
  app.enableShutdownHooks();
  return app;
}
