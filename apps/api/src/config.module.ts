import { ConfigModule, getConfigToken, registerAs } from '@nestjs/config';
import type { LedgerConfig } from './config.js';

/**
 * Where providers find the configuration: `@Inject(LEDGER_CONFIG) config: LedgerConfig`, or
 * `ConfigService.get('ledger')`.
 */
export const LEDGER_CONFIG = getConfigToken('ledger');

/**
 * The configuration as @nestjs/config serves it. It is read and validated before Nest starts
 * (`loadConfig`, the same for the CLI and the tests, which pass their own environment), so that a
 * bad value exits 2 with its message; ConfigModule neither reads process.env nor a .env file.
 */
export function ledgerConfigModule(config: LedgerConfig): ReturnType<typeof ConfigModule.forRoot> {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    validatePredefined: false,
    load: [registerAs('ledger', () => config)],
  });
}
