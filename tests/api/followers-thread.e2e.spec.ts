import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { EVENTS_FILE, READ_MODELS_FILE, TREE_FILE } from '#api/infrastructure/data-files';
import { projectRoot } from '#api/project-root';
import { FollowersThread } from '#api/infrastructure/followers/followers-thread';
import { LedgerTransparency } from '#api/infrastructure/transparency.module';
import { readCheckpoint } from '#background';
import { LEDGER_PROJECTION_NAME } from '#projections';
import { TREE_CHECKPOINT } from '#transparency';
import { jobsBody, pairBody, projectBody } from '../support/fixtures.js';
import { E2E_STORE, LedgerUnderTest, removeDataDirs, sqliteOnly } from '../support/ledger-harness.js';

afterAll(removeDataDirs);

/** Appends `event` to `streamId` from a process of its own (the built store), 300 ms after it says it is ready. */
function appendLater(file: string, streamId: string, revision: number, event: object): { ready: Promise<void>; done: Promise<number> } {
  const store = pathToFileURL(join(projectRoot(), 'dist/libs/event-store/src/sqlite/sqlite-event-store.js')).href;
  const script = join(dirname(file), 'append-later.mjs');
  writeFileSync(
    script,
    `
    const { SqliteEventStore } = await import(${JSON.stringify(store)});
    const store = new SqliteEventStore(process.env.FILE);
    process.stdout.write('ready\\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { position } = await store.appendToStream(process.env.STREAM, [JSON.parse(process.env.EVENT)], {
      expectedRevision: Number(process.env.REVISION),
    });
    await store.close();
    process.stdout.write(position + '\\n');`,
  );
  const child = spawn(process.execPath, [script], {
    cwd: projectRoot(),
    env: { ...process.env, FILE: file, STREAM: streamId, REVISION: String(revision), EVENT: JSON.stringify(event) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const said = lines[Symbol.asyncIterator]();
  return {
    ready: said.next().then(({ value }) => expect(value).toBe('ready')),
    done: once(child, 'exit').then(async ([code]) => {
      expect(code).toBe(0);
      return Number((await said.next()).value);
    }),
  };
}

/**
 * Blocks this thread (the request thread: the app runs in the test's process) for up to `ms`, reading
 * `read` from its own connection every few milliseconds, until `done` holds: only another thread can
 * move what it reads meanwhile. Returns the last value read.
 */
function blockUntil(read: () => number, done: (value: number) => boolean, ms: number): number {
  const until = Date.now() + ms;
  let value = read();
  while (!done(value) && Date.now() < until) {
    const pause = Date.now() + 5;
    while (Date.now() < pause); // busy: no timer, no I/O, no message runs on this thread
    value = read();
  }
  return value;
}

describe('the followers thread: the read models and the Merkle tree are kept off the request thread', () => {
  let api: LedgerUnderTest;
  let readModels: Database.Database;
  let tree: Database.Database;
  /** The events file, on this test's own connection (SQLite only). */
  let events: Database.Database | undefined;

  beforeAll(async () => {
    api = await LedgerUnderTest.start();
    expect((await api.post('/partner-pairs', pairBody('pair-thread'))).status).toBe(201);
    expect((await api.post('/projects', projectBody('proj-thread', 'pair-thread', '1000.00'))).status).toBe(201);
    readModels = new Database(join(api.dataDir, READ_MODELS_FILE), { readonly: true });
    tree = new Database(join(api.dataDir, TREE_FILE), { readonly: true });
    if (E2E_STORE === 'sqlite') events = new Database(join(api.dataDir, EVENTS_FILE), { readonly: true });
  });

  afterAll(async () => {
    readModels?.close();
    tree?.close();
    events?.close();
    await api?.stop();
  });

  const projected = () => readCheckpoint(readModels, LEDGER_PROJECTION_NAME);
  const hashed = () => readCheckpoint(tree, TREE_CHECKPOINT);
  const thread = () => api.app.get(FollowersThread);

  // SQLite only: the EventStoreDB double serves from this same thread, so blocking it would block the store too.
  sqliteOnly(
    'applies and hashes events appended while the request thread is busy',
    async () => {
      const head = events!.prepare<[], number>('SELECT max(position) FROM events').pluck();
      const storedHead = (): number => head.get() ?? 0;
      expect((await api.post('/projects/proj-thread/jobs', jobsBody('jobs-template', 12))).status).toBe(201);
      const [template] = await api.events.stored.readStream('project-proj-thread', { fromRevision: 1 });
      expect(template.type).toBe('JobsRecorded');
      const event = {
        id: randomUUID(),
        type: template.type,
        schemaVersion: template.schemaVersion,
        data: { ...(template.data as object), reportId: 'jobs-while-blocked' },
        metadata: template.metadata,
      };
      // Taken before the other process starts (nothing else writes): its commit may come before this thread blocks.
      const position = storedHead() + 1;
      // Another process appends it, 300 ms after it said it is ready: while this thread is held up below.
      const writer = appendLater(join(api.dataDir, EVENTS_FILE), 'project-proj-thread', template.revision, event);
      await writer.ready;
      const blockedAt = Date.now();
      // From here on this thread runs nothing else (no timer, no message) until the read models and the tree hold the new
      // event: only the followers thread can apply it meanwhile. The other process's commit comes first, seen on this
      // test's own connection to the file; on a loaded machine it may take a while, which is not what is tested here, so
      // the followers' 10 s are counted from it.
      blockUntil(storedHead, (head) => head >= position, 30_000);
      const committedAfterMs = Date.now() - blockedAt;
      blockUntil(
        () => Math.min(projected(), hashed()),
        (value) => value >= position,
        10_000,
      );
      const appliedAfterMs = Date.now() - blockedAt - committedAfterMs;
      const reached = { stored: storedHead(), projected: projected(), hashed: hashed() };
      // Said on failure: how long each step took, and what the followers last reported (after one turn, so a thread
      // that stopped meanwhile has said so).
      await new Promise((resolve) => setImmediate(resolve));
      const context = { committedAfterMs, appliedAfterMs, lastError: api.runner.lastError, threadRunning: thread().running() !== null };
      expect({ ...reached, context }).toEqual({ stored: position, projected: position, hashed: position, context });
      expect(await writer.done).toBe(position);
      // And the API, once free, knows it (the thread told it, or the shared checkpoint did).
      expect((await api.get(`/projects/proj-thread?minPosition=${position}`)).body.jobsCreated).toBe(24);
    },
    60_000,
  );

  it('starts the thread again when it dies, and the followers go on from their checkpoints', async () => {
    const first = thread().running();
    expect(first).not.toBeNull();
    await first!.terminate();
    expect(api.runner.lastError).toMatch(/followers thread stopped/);
    const reply = await api.post('/projects/proj-thread/jobs', jobsBody('jobs-after-restart', 5));
    expect(reply.status).toBe(201);
    // Read-your-writes still holds: the new thread catches up and says so.
    const read = await api.get(`/projects/proj-thread?minPosition=${reply.body.position}`);
    expect(read.status).toBe(200);
    expect(read.body.jobsCreated).toBe(E2E_STORE === 'sqlite' ? 29 : 5);
    expect(thread().running()).not.toBeNull();
    expect(thread().running()).not.toBe(first);
    expect(api.runner.lastError).toBeNull();
    expect(await api.app.get(LedgerTransparency).follower.waitFor(reply.body.position, 10_000)).toBe(true);
    expect((await api.send('POST', '/audit/tree-heads')).status).toBe(201);
  });

  it('answers a read after this process acknowledged a command with the command in it, with no minPosition or a lower one', async () => {
    // The projections stopped: the command is acknowledged but not applied until they start again, 100 ms later.
    await api.runner.stop();
    const reply = await api.post('/projects', projectBody('proj-own-write', 'pair-thread', '7.00'));
    expect(reply.status).toBe(201);
    setTimeout(() => api.runner.start(), 100);
    const [plain, lower] = await Promise.all([api.get('/projects/proj-own-write'), api.get('/projects/proj-own-write?minPosition=1')]);
    expect([plain.status, lower.status]).toEqual([200, 200]);
    expect(plain.body.pledged).toEqual(lower.body.pledged);
    expect(api.runner.position).toBeGreaterThanOrEqual(reply.body.position);
  });

  sqliteOnly('wakes the thread with this process’s appends instead of waiting for its look at the file', async () => {
    const stored = api.events.stored as unknown as { onAppended(listener: (position: number) => void): () => void };
    const seen: number[] = [];
    const stop = stored.onAppended((position) => seen.push(position));
    const reply = await api.post('/projects/proj-thread/jobs', jobsBody('jobs-woken', 1));
    stop();
    expect(seen).toContain(reply.body.position);
  });
});
