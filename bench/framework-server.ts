import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult } from '#application';
import { loadConfig } from '#api/config';
import { createLedgerApp } from '#api/ledger-app';
import { ProjectCommandHandler } from '#api/projects/project-command.handler';
import type { ProjectCommand } from '#api/projects/project.command';
import { HARNESS_API_KEYS } from './server-process.js';

/**
 * The framework limit: this app's whole stack (Fastify, Nest, the key check, class-validator, the command
 * bus, the error filter, the logs) answering the same command requests, with the project command handler
 * replaced by one that answers from memory: no load, no decision, no store. What the stack alone allows.
 */
const config = loadConfig({
  ...process.env,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'ledger-framework-')),
  API_KEYS: HARNESS_API_KEYS,
  PORT: '0',
  HOST: '127.0.0.1',
});
const app = await createLedgerApp(config);
const revisions = new Map<string, number>();
let position = 0;
app.get(ProjectCommandHandler).execute = async ({ command }: ProjectCommand): Promise<CommandResult> => {
  const streamId = `project-${command.data.projectId}`;
  const revision = (revisions.get(streamId) ?? -1) + 1;
  revisions.set(streamId, revision);
  position += 1;
  return { outcome: 'created', streamId, revision, position };
};
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address();
console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
