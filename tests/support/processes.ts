import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
export const BUILT_MAIN = join(ROOT, 'dist/apps/api/src/main.js');
export const BUILT_REBUILD = join(ROOT, 'dist/apps/api/src/cli/rebuild.js');

export function requireBuild(): void {
  if (!existsSync(BUILT_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before these tests');
}

/** Starts the built server as its own process, as `npm start` would, and resolves with its URL. */
export function startServerProcess(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  requireBuild();
  const child = spawn(process.execPath, [BUILT_MAIN], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

export async function runRebuildProcess(dataDir: string): Promise<string> {
  requireBuild();
  const { stdout } = await promisify(execFile)(process.execPath, [BUILT_REBUILD], { env: { ...process.env, DATA_DIR: dataDir } });
  return stdout;
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
