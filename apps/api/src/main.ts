import { Logger } from '@nestjs/common';
import { ConfigError, type LedgerConfig, loadConfig } from './config.js';
import { createLedgerApp } from './ledger-app.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // Before the app starts: the keys come first in the output, ahead of the log lines.
  if (config.apiKeysGenerated) printSessionKeys(config);
  const app = await createLedgerApp(config);
  logUnnamedKeys(config);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const roles = [...config.roles].join(',');
  const serves = config.roles.has('api') ? '' : ', probes and metrics only';
  new Logger('Ledger').log(
    `listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port} ` +
      `(instance ${config.instanceId}, roles ${roles}${serves}; data in ${config.dataDir})`,
  );
}

/**
 * A key listed without a name is recorded as a random actor made for this run (never derived from the key):
 * said once, here, so that the events it causes can be traced to the API_KEYS entry.
 */
function logUnnamedKeys(config: LedgerConfig): void {
  const logger = new Logger('ApiKeys');
  for (const { principal, unnamedEntry } of config.apiKeys) {
    if (unnamedEntry === undefined) continue;
    const roles = [...principal.roles].sort();
    logger.warn({
      message:
        `API_KEYS entry ${unnamedEntry} (${roles.join('+')}) has no name: its events record the actor ${principal.name} for this run ` +
        'only; give it a name (role:name:key) for an actor that outlasts a restart',
      entry: unnamedEntry,
      roles,
      actor: principal.name,
    });
  }
}

/**
 * Without API_KEYS the API is still closed: one key per role is generated for
 * this run and printed once, here, to the terminal that started it.
 */
function printSessionKeys(config: LedgerConfig): void {
  const lines = config.apiKeys.map(({ key, principal }) => `  ${[...principal.roles].join('+').padEnd(8)} ${key}`);
  process.stdout.write(
    [
      '',
      'API_KEYS is not set: keys for this session only (send "Authorization: Bearer <key>"):',
      ...lines,
      'Set API_KEYS=role:name:key,... to choose your own.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
