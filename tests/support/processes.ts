import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { projectRoot } from '#api/project-root';
import { startServerProcess as startBuiltServer } from '#bench/server-process';
import { storeEnv } from './ledger-harness.js';

/** The built server as its own process, on the store under test. */
export async function startServerProcess(dataDir: string) {
  return startBuiltServer(dataDir, await storeEnv(dataDir));
}

export const BUILT_REBUILD = join(projectRoot(), 'dist/apps/api/src/cli/rebuild.js');

export async function runRebuildProcess(dataDir: string): Promise<string> {
  const env = { ...process.env, DATA_DIR: dataDir, ...(await storeEnv(dataDir)) };
  const { stdout } = await promisify(execFile)(process.execPath, [BUILT_REBUILD], { env });
  return stdout;
}

/** One progress line of a rebuild (`rebuilding: value/total (pct%)` on stderr), and when the test read it. */
export interface RebuildProgressLine {
  readonly at: number;
  readonly value: number;
  readonly total: number;
}

/**
 * `npm run rebuild` as a process whose progress lines are read as they come (stderr is not a
 * terminal, so the CLI writes one line a second): `lines` grows while it runs, `done` resolves
 * with stdout once it exits 0.
 */
export async function startRebuildProcess(dataDir: string): Promise<{ lines: RebuildProgressLine[]; done: Promise<string> }> {
  const env = { ...process.env, DATA_DIR: dataDir, ...(await storeEnv(dataDir)) };
  const child = spawn(process.execPath, [BUILT_REBUILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: RebuildProgressLine[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const [, value, total] of chunk.matchAll(/^rebuilding: (\d+)\/(\d+) /gm))
      lines.push({ at: performance.now(), value: Number(value), total: Number(total) });
  });
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`rebuild exited ${code}: ${stderr}`))));
  });
  return { lines, done };
}

/** Every read-model row, in a stable order: what "the read models" are, for comparing two of them. */
export function dumpReadModels(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    return {
      pairs: db.prepare('SELECT * FROM pairs ORDER BY pair_id').all(),
      projects: db.prepare('SELECT * FROM projects ORDER BY project_id').all(),
      counters: db.prepare('SELECT * FROM counters ORDER BY pair_id, scope, dimension, key, metric, unit').all(),
      checkpoints: db.prepare('SELECT * FROM checkpoints ORDER BY projection').all(),
    };
  } finally {
    db.close();
  }
}

export const BUILT_CLI = join(projectRoot(), 'dist/apps/api/src/cli/main.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built operator CLI (`npm run cli -- …`) on a data directory and the store under test; resolves whatever its exit code. */
export async function runCliProcess(dataDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const fullEnv = { ...process.env, DATA_DIR: dataDir, NO_COLOR: '1', ...(await storeEnv(dataDir)), ...env };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BUILT_CLI, ...args], { env: fullEnv, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}
