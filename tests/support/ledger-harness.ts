import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '#api/config';
import { createLedgerApp } from '#api/ledger-app';
import { UpcastingEventStore } from '#event-store';
import { EsdbDouble } from '#event-store/testing';
import { ProjectionFollower } from '#projections';
import { HARNESS_API_KEYS, HARNESS_AUTH } from '#bench/server-process';

export { HARNESS_API_KEY, HARNESS_API_KEYS, HARNESS_AUTH } from '#bench/server-process';

export interface Reply<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** The event store the end-to-end suites run against: the jest project sets E2E_EVENT_STORE. */
export const E2E_STORE: 'sqlite' | 'esdb' = process.env.E2E_EVENT_STORE === 'esdb' ? 'esdb' : 'sqlite';

/** `it`, skipped (visibly) when the suite runs against a store a test does not apply to. */
export const sqliteOnly = E2E_STORE === 'sqlite' ? it : it.skip;

const doubles = new Map<string, EsdbDouble>();

/**
 * The environment that points the ledger at the store under test for a data
 * directory: nothing for SQLite; for EventStoreDB, a gRPC double of the
 * server, one per data directory, so that a restarted API finds its events.
 */
export async function storeEnv(dataDir: string): Promise<Record<string, string>> {
  if (E2E_STORE === 'sqlite') return {};
  let double = doubles.get(dataDir);
  if (!double) {
    double = await EsdbDouble.start();
    doubles.set(dataDir, double);
  }
  return { EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: double.connectionString };
}

/** A fresh data directory, removed by `removeDataDirs`. */
const dirs: string[] = [];
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-e2e-'));
  dirs.push(dir);
  return dir;
}
export async function removeDataDirs(): Promise<void> {
  for (const dir of dirs.splice(0)) {
    await doubles.get(dir)?.stop();
    doubles.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The real API on a real port over a real SQLite file, driven with fetch. */
export class LedgerUnderTest {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
    readonly dataDir: string,
  ) {}

  static async start(dataDir = tempDataDir(), env: Record<string, string> = {}): Promise<LedgerUnderTest> {
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      API_KEYS: HARNESS_API_KEYS,
      ...(await storeEnv(dataDir)),
      ...env,
    });
    const app = await createLedgerApp(config, false);
    await app.listen(0, '127.0.0.1');
    return new LedgerUnderTest(app, await app.getUrl(), dataDir);
  }

  /** The app's event store, as readers see it (upcast; `.stored` is the store itself). */
  get events(): UpcastingEventStore {
    return this.app.get(UpcastingEventStore);
  }

  /** The app's projection runner. */
  get runner(): ProjectionFollower {
    return this.app.get(ProjectionFollower);
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  post<T = any>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return this.send('POST', path, typeof body === 'string' ? body : JSON.stringify(body), {
      'content-type': 'application/json',
      ...headers,
    });
  }

  get<T = any>(path: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return this.send('GET', path, undefined, headers);
  }

  /**
   * Sends with the harness key (every role) unless the test passes its own
   * `authorization` header; an empty one sends none.
   */
  async send<T = any>(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const { authorization = HARNESS_AUTH.authorization, ...rest } = headers;
    const sent = authorization === '' ? rest : { ...rest, authorization };
    const response = await fetch(this.url.replace('[::1]', '127.0.0.1') + path, { method, body, headers: sent });
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
    return this.events.headPosition();
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
    await removeDataDirs();
  });
  return () => {
    if (!api) throw new Error('the ledger is not started yet');
    return api;
  };
}

/** Polls `path` until `until` holds for the reply, or fails with the last reply. */
export async function eventually(api: LedgerUnderTest, path: string, until: (reply: Reply) => boolean, timeoutMs = 15_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await api.get(path);
    if (until(reply)) return reply;
    if (Date.now() > deadline) throw new Error(`${path} still answers ${reply.status} ${JSON.stringify(reply.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
