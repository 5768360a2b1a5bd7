import type { ChildProcess } from 'node:child_process';
import { startServerProcess } from '#bench/server-process';
import { disbursementBody, jobsBody, pairBody, projectBody } from '../support/fixtures.js';
import { E2E_STORE, HARNESS_AUTH, removeDataDirs, storeEnv, tempDataDir } from '../support/ledger-harness.js';

interface Replica {
  readonly child: ChildProcess;
  readonly url: string;
}

async function send(replica: Replica, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(replica.url.replace('[::1]', '127.0.0.1') + path, {
    method,
    headers: { ...HARNESS_AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function stop(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null) return;
  const exited = new Promise((resolve) => replica.child.once('exit', resolve));
  replica.child.kill('SIGTERM');
  await exited;
}

/** How many replies had each status, e.g. {201: 40}: a failure names every status that came back. */
const statuses = (replies: ReadonlyArray<{ status: number }>) =>
  replies.reduce<Record<number, number>>((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

/**
 * Two API processes on one store, as a fleet runs: on SQLite both on one DATA_DIR (the read models shared
 * too); on EventStoreDB each with its own DATA_DIR (its own read models), both on one server (the double).
 */
describe(`two API processes on one ${E2E_STORE === 'sqlite' ? 'SQLite DATA_DIR' : 'EventStoreDB'}`, () => {
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    const dirA = tempDataDir();
    const env = await storeEnv(dirA);
    a = await startServerProcess(dirA, env);
    b = await startServerProcess(E2E_STORE === 'sqlite' ? dirA : tempDataDir(), env);
    expect((await send(a, 'POST', '/partner-pairs', pairBody('fleet-pair'))).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map(stop));
    await removeDataDirs();
  });

  it('takes 40-way bursts on one project split over both without a 409: each command recorded once, a retry replayed', async () => {
    expect((await send(a, 'POST', '/projects', projectBody('fleet-jobs', 'fleet-pair', '1000'))).status).toBe(201);
    const ids = [0, 1, 2].flatMap((burst) => Array.from({ length: 40 }, (_, i) => `fj-${burst}-${i}`));
    const burst = (round: number, flip: number) =>
      Promise.all(
        ids
          .slice(round * 40, round * 40 + 40)
          .map((id, i) => send((i + flip) % 2 ? a : b, 'POST', '/projects/fleet-jobs/jobs', jobsBody(id, 1))),
      );
    const first = [];
    for (const round of [0, 1, 2]) first.push(...(await burst(round, 0)));
    expect(statuses(first)).toEqual({ 201: 120 });
    // The same commands again, each to the other process: every one is a retry, answered with what it recorded.
    const again = [];
    for (const round of [0, 1, 2]) again.push(...(await burst(round, 1)));
    expect(statuses(again)).toEqual({ 200: 120 });
    expect(again.map((r) => r.body.position)).toEqual(first.map((r) => r.body.position));

    const history = (await send(b, 'GET', '/projects/fleet-jobs/history')).body.events as Array<{ revision: number; data: any }>;
    expect(history.map((e) => e.revision)).toEqual(Array.from({ length: 121 }, (_, i) => i));
    expect(
      history
        .slice(1)
        .map((e) => e.data.reportId)
        .sort(),
    ).toEqual([...ids].sort());
    const head = Math.max(...first.map((r) => r.body.position));
    for (const replica of [a, b]) {
      const project = await send(replica, 'GET', `/projects/fleet-jobs?minPosition=${head}`);
      expect(project).toMatchObject({ status: 200, body: { jobsCreated: 120, revision: 120 } });
    }
  }, 120_000);

  it('still lets the pledge rule refuse, and only it: 40 tranches racing for 20 tranches of pledge over both', async () => {
    expect((await send(b, 'POST', '/projects', projectBody('fleet-race', 'fleet-pair', '200'))).status).toBe(201);
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        send(i % 2 ? a : b, 'POST', '/projects/fleet-race/disbursements', disbursementBody(`fr-${i}`, '10')),
      ),
    );
    expect(statuses(replies)).toEqual({ 201: 20, 422: 20 });
    expect(replies.filter((r) => r.status === 422).every((r) => r.body.code === 'exceeds-remaining-pledge')).toBe(true);
    const head = Math.max(...replies.filter((r) => r.status === 201).map((r) => r.body.position));
    expect((await send(a, 'GET', `/projects/fleet-race?minPosition=${head}`)).body).toMatchObject({
      delivered: { amount: '200.00', currency: 'CNY' },
      remaining: { amount: '0.00', currency: 'CNY' },
    });
  }, 60_000);

  it('reads its own writes on the other process: a write on one, a ?minPosition read on the other, answered with it', async () => {
    expect((await send(a, 'POST', '/projects', projectBody('fleet-ryw', 'fleet-pair', '100000'))).status).toBe(201);
    for (let i = 0; i < 20; i++) {
      const [writer, reader] = i % 2 ? [a, b] : [b, a];
      const written = await send(writer, 'POST', '/projects/fleet-ryw/disbursements', disbursementBody(`ryw-${i}`, '1'));
      expect(written.status).toBe(201);
      // READ_WAIT_TIMEOUT_MS (5 s) is the generous bound: past it the read is a 503 projection-behind.
      const read = await send(reader, 'GET', `/projects/fleet-ryw?minPosition=${written.body.position}`);
      expect(read).toMatchObject({ status: 200, body: { revision: i + 1, delivered: { amount: `${i + 1}.00` } } });
    }
  }, 60_000);
});
