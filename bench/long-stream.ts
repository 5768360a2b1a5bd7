import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HARNESS_AUTH, startServerProcess } from './server-process.js';

/**
 * One project's stream grown to `commands` tranches through the API, one
 * command after another, each timed: does the 20,000th command cost what the
 * 100th did? (Before the write side kept states persistent, every tranche
 * copied the project's maps, and writing grew with the square of the stream.)
 * The figures are medians of 100 commands around each point: commands
 * 51–150 for "the 100th", the last 100 for "the Nth".
 */
export interface LongStreamResult {
  readonly commands: number;
  readonly p50At100Ms: number;
  readonly p50AtEndMs: number;
  /** p50 at the end over p50 at the 100th: the target is ≤ 2. */
  readonly ratio: number;
  readonly seconds: number;
}

export async function longStream(dataDir: string, commands: number): Promise<LongStreamResult> {
  const server = await startServerProcess(dataDir);
  try {
    const post = async (path: string, body: unknown): Promise<void> => {
      const reply = await fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...HARNESS_AUTH },
        body: JSON.stringify(body),
      });
      await reply.arrayBuffer();
      if (reply.status !== 201) throw new Error(`${path} answered ${reply.status}`);
    };
    await post('/partner-pairs', {
      pairId: 'long-stream-pair',
      donor: { name: 'Long-stream donor', level: 'city' },
      recipient: { name: 'Long-stream recipient', level: 'county' },
      programme: 'paired-assistance',
    });
    await post('/projects', {
      projectId: 'long-stream',
      pairId: 'long-stream-pair',
      title: 'A project with a very long stream',
      sector: 'new-materials',
      capitalKind: 'investment',
      pledged: { amount: '1000000000000.00', currency: 'CNY' },
      signedOn: '2024-05-07',
    });
    const times: number[] = [];
    const started = performance.now();
    for (let i = 1; i <= commands; i++) {
      const sent = performance.now();
      await post('/projects/long-stream/disbursements', {
        disbursementId: `tranche-${i}`,
        amount: { amount: '1.00', currency: 'CNY' },
        disbursedOn: '2024-06-01',
      });
      times.push(performance.now() - sent);
    }
    const seconds = (performance.now() - started) / 1000;
    const p50At100Ms = median(times.slice(50, 150));
    const p50AtEndMs = median(times.slice(-100));
    return { commands, p50At100Ms, p50AtEndMs, ratio: p50AtEndMs / p50At100Ms, seconds };
  } finally {
    await stop(server.child);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** `node dist/bench/long-stream.js [commands]` runs this figure alone (default 20,000 commands). */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const commands = Number(process.argv[2] ?? 20_000);
  const dir = mkdtempSync(join(tmpdir(), 'ledger-long-stream-'));
  longStream(dir, commands)
    .then((result) => console.log(JSON.stringify(result)))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => rmSync(dir, { recursive: true, force: true }));
}
