import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '../../apps/api/src/config.js';
import { LedgerRuntime } from '../../apps/api/src/infrastructure/ledger-runtime.js';
import { createLedgerApp } from '../../apps/api/src/ledger-app.js';

export interface Reply<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A fresh data directory, removed by `removeDataDirs`. */
const dirs: string[] = [];
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-e2e-'));
  dirs.push(dir);
  return dir;
}
export function removeDataDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The real API on a real port over a real SQLite file, driven with fetch. */
export class LedgerUnderTest {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
    readonly dataDir: string,
  ) {}

  static async start(dataDir = tempDataDir(), env: Record<string, string> = {}): Promise<LedgerUnderTest> {
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ...env });
    const app = await createLedgerApp(config, false);
    await app.listen(0, '127.0.0.1');
    return new LedgerUnderTest(app, await app.getUrl(), dataDir);
  }

  get runtime(): LedgerRuntime {
    return this.app.get(LedgerRuntime);
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  post<T = any>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return this.send('POST', path, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  }

  get<T = any>(path: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return this.send('GET', path, undefined, headers);
  }

  async send<T = any>(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const response = await fetch(this.url.replace('[::1]', '127.0.0.1') + path, { method, body, headers });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Non-JSON bodies are returned as text, and the test says what it expected.
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** The global position of the last stored event: proves what a refused command did not append. */
  head(): Promise<number> {
    return this.runtime.store.headPosition();
  }
}

/**
 * Starts one API for a describe block and stops it (and removes its data)
 * after: `const ledger = ledgerPerSuite(); … ledger().post(…)`.
 */
export function ledgerPerSuite(env: Record<string, string> = {}): () => LedgerUnderTest {
  let api: LedgerUnderTest | undefined;
  beforeAll(async () => {
    api = await LedgerUnderTest.start(undefined, env);
  });
  afterAll(async () => {
    await api?.stop();
    removeDataDirs();
  });
  return () => {
    if (!api) throw new Error('the ledger is not started yet');
    return api;
  };
}
