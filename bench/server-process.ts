import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '#api/project-root';

export const BUILT_MAIN = join(projectRoot(), 'dist/apps/api/src/main.js');

/** The key benchmarks and tests run the API with: it holds every role, under the name `harness`. */
export const HARNESS_API_KEY = 'harness-key-0123456789abcdef';
export const HARNESS_API_KEYS = ['operator', 'auditor', 'reader'].map((role) => `${role}:harness:${HARNESS_API_KEY}`).join(',');
/** Headers that authenticate a request with the harness key. */
export const HARNESS_AUTH = { authorization: `Bearer ${HARNESS_API_KEY}` } as const;

/**
 * Starts a built script as its own process and resolves once it prints
 * `listening on <url>`, with that URL.
 */
export function startProcess(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
  onOutput?: (chunk: string) => void,
): Promise<{ child: ChildProcess; url: string }> {
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (onOutput) {
    child.stdout?.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
  }
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 120_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve({ child, url: match[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      // A process that exits before it listens (a configuration error) leaves no timer keeping the caller alive.
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
}

/** Starts the built API server on a data directory (and any other settings in `env`). */
export function startServerProcess(dataDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  return startProcess(BUILT_MAIN, { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', API_KEYS: HARNESS_API_KEYS, ...env });
}
