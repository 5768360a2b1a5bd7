import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EsdbDouble } from '#event-store/esdb-double';
import { HARNESS_AUTH, startServerProcess } from './server-process.js';

/**
 * The fleet scenario of `npm run bench` (issue 11): two API processes on one
 * store (SQLite: one shared DATA_DIR; EventStoreDB: the gRPC double, each
 * process with its own DATA_DIR), then
 * - contention: `commands` commands on ONE project sent as 40-way bursts, each
 *   burst split over both processes: how many 409s (target 0), other failures,
 *   commands/s, and whether each command's event is in the stream exactly once;
 *   beside it the same bursts sent to one process;
 * - read-your-writes across processes: a command on one process, on its 201 a
 *   `?minPosition` read on the other; the time from the 201 to the read's
 *   answer (one HTTP round trip included), beside the same probe on one process.
 * `node dist/bench/fleet.js [commands] [probes]` runs it alone.
 */
export interface FleetResult {
  readonly store: 'sqlite' | 'esdb';
  readonly commands: number;
  readonly statuses: Record<string, number>;
  readonly conflicts409: number;
  readonly otherFailures: number;
  readonly commandsPerSecond: number;
  /** Every command's event in the project's stream exactly once, the revisions gapless. */
  readonly recordedOnce: boolean;
  /** The same bursts on another project, all to one process: no race across processes at all. */
  readonly oneProcess: { readonly commandsPerSecond: number; readonly statuses: Record<string, number> };
  readonly crossProcess: Latency;
  readonly sameProcess: Latency;
}

export interface Latency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly count: number;
}

interface Replica {
  readonly child: ChildProcess;
  readonly url: string;
}

const BURST = 40;

/** What the benchmark reads of an answer: a command's position, an error's code, a history's events. */
interface Answer {
  readonly position?: number;
  readonly code?: string;
  readonly events?: ReadonlyArray<{ readonly revision: number; readonly data: Record<string, string> }>;
}

async function send(replica: Replica, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Answer }> {
  const response = await fetch(replica.url + path, {
    method,
    headers: { ...HARNESS_AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: { code: text.slice(0, 200) } };
  }
}

async function must(replica: Replica, path: string, body: unknown): Promise<{ position: number }> {
  const reply = await send(replica, 'POST', path, body);
  if (reply.status !== 201) throw new Error(`${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return { position: Number(reply.body.position) };
}

async function stop(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null) return;
  const exited = new Promise((resolve) => replica.child.once('exit', resolve));
  replica.child.kill('SIGTERM');
  await exited;
}

function latency(times: number[]): Latency {
  const sorted = [...times].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[sorted.length - 1], count: sorted.length };
}

const tranche = (id: string) => ({ disbursementId: id, amount: { amount: '1.00', currency: 'CNY' }, disbursedOn: '2024-06-01' });
const jobs = (id: string) => ({ reportId: id, jobs: 1, reportedOn: '2024-07-01' });

/** Half tranches, half jobs reports: commands no rule refuses, so every answer but a 201 is a failure. */
function command(projectId: string, i: number): { path: string; body: unknown; id: string } {
  const id = `${projectId}-${i}`;
  return i % 2
    ? { path: `/projects/${projectId}/disbursements`, body: tranche(id), id }
    : { path: `/projects/${projectId}/jobs`, body: jobs(id), id };
}

/** `commands` commands on `projectId` in 40-way bursts, the odd ones to `a`, the even ones to `b` (a = b: one process). */
async function contention(projectId: string, a: Replica, b: Replica, commands: number) {
  const statuses: Record<string, number> = {};
  const started = performance.now();
  for (let first = 0; first < commands; first += BURST) {
    const burst = Array.from({ length: Math.min(BURST, commands - first) }, (_, k) => first + k);
    const replies = await Promise.all(
      burst.map((i) => {
        const { path, body } = command(projectId, i);
        return send(i % 2 ? a : b, 'POST', path, body);
      }),
    );
    for (const reply of replies) {
      const key = reply.status === 201 ? '201' : `${reply.status} ${reply.body?.code ?? ''}`.trim();
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  // The whole history, a page (1,000 events by default) at a time.
  const history: NonNullable<Answer['events']>[number][] = [];
  for (;;) {
    const after = history.length === 0 ? '' : `?afterRevision=${history[history.length - 1].revision}`;
    const page = (await send(a, 'GET', `/projects/${projectId}/history${after}`)).body.events ?? [];
    history.push(...page);
    if (page.length < 1000) break;
  }
  const ids = history.slice(1).map((event) => event.data.disbursementId ?? event.data.reportId);
  const expected = Array.from({ length: commands }, (_, i) => command(projectId, i).id);
  const recordedOnce =
    history.every((event, revision) => event.revision === revision) &&
    ids.length === expected.length &&
    new Set(ids).size === ids.length &&
    expected.every((id) => ids.includes(id));
  const conflicts409 = Object.entries(statuses)
    .filter(([key]) => key.startsWith('409'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    statuses,
    conflicts409,
    otherFailures: commands - (statuses['201'] ?? 0) - conflicts409,
    commandsPerSecond: commands / seconds,
    recordedOnce,
  };
}

/** A jobs report on `writer`; on its 201, a read with its position on `reader`: ms from the 201 to the read's answer. */
async function probes(writer: Replica, reader: Replica, count: number, prefix: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const { position } = await must(writer, '/projects/fleet-probe/jobs', jobs(`${prefix}-${i}`));
    const written = performance.now();
    const read = await send(reader, 'GET', `/projects/fleet-probe?minPosition=${position}`);
    if (read.status !== 200) throw new Error(`the read at ${position} answered ${read.status}: ${JSON.stringify(read.body)}`);
    times.push(performance.now() - written);
  }
  return times;
}

export async function runFleet(store: 'sqlite' | 'esdb', work: string, commands: number, probeCount: number): Promise<FleetResult> {
  const double = store === 'esdb' ? await EsdbDouble.start() : null;
  const env: Record<string, string> = double ? { EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: double.connectionString } : {};
  const dirA = join(work, `fleet-${store}-a`);
  const dirB = store === 'sqlite' ? dirA : join(work, `fleet-${store}-b`);
  mkdirSync(dirA, { recursive: true });
  mkdirSync(dirB, { recursive: true });
  const replicas: Replica[] = [];
  try {
    const a = await startServerProcess(dirA, env);
    replicas.push(a);
    const b = await startServerProcess(dirB, env);
    replicas.push(b);
    await must(a, '/partner-pairs', {
      pairId: 'fleet-pair',
      donor: { name: 'Shanghai Municipality', level: 'province' },
      recipient: { name: 'Sanming', level: 'prefecture' },
      programme: 'paired-assistance',
    });
    const project = (projectId: string) => ({
      projectId,
      pairId: 'fleet-pair',
      title: 'Fleet benchmark',
      sector: 'new-materials',
      capitalKind: 'investment',
      pledged: { amount: '100000000.00', currency: 'CNY' },
      signedOn: '2024-05-07',
    });
    await must(a, '/projects', project('fleet'));
    await must(b, '/projects', project('fleet-probe'));
    await must(b, '/projects', project('fleet-solo'));
    const contended = await contention('fleet', a, b, commands);
    const solo = await contention('fleet-solo', a, a, commands);
    const half = Math.ceil(probeCount / 2);
    const cross = [...(await probes(a, b, half, 'ab')), ...(await probes(b, a, probeCount - half, 'ba'))];
    const same = await probes(a, a, probeCount, 'aa');
    const oneProcess = { commandsPerSecond: solo.commandsPerSecond, statuses: solo.statuses };
    return { store, commands, ...contended, oneProcess, crossProcess: latency(cross), sameProcess: latency(same) };
  } finally {
    await Promise.all(replicas.map(stop));
    await double?.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const commands = Number(process.argv[2] ?? 1000);
  const probeCount = Number(process.argv[3] ?? 200);
  const work = mkdtempSync(join(tmpdir(), 'ledger-fleet-'));
  const results: FleetResult[] = [];
  try {
    for (const store of ['sqlite', 'esdb'] as const) results.push(await runFleet(store, work, commands, probeCount));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(results, null, 2));
}
