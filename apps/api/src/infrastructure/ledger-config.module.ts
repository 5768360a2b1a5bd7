import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { LedgerConfig } from '../config.js';

/** The token of the ledger's configuration: `@Inject(LEDGER_CONFIG) config: LedgerConfig`. */
export const LEDGER_CONFIG = Symbol('LedgerConfig');

/** The configuration the app was started with, for every module. */
@Global()
@Module({})
export class LedgerConfigModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return { module: LedgerConfigModule, providers: [{ provide: LEDGER_CONFIG, useValue: config }], exports: [LEDGER_CONFIG] };
  }
}
