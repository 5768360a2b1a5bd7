import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { BUILT_MAIN, HARNESS_API_KEYS, startProcess } from '#bench/server-process';

/** A built API process a suite started: its URL and everything it printed. */
export interface StartedLedger {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: string[];
}

/**
 * The built API processes one suite starts (`npm run build` first), on a data directory each, with the harness
 * keys and any other settings. `killAll` (in afterAll) ends the ones still running, thawing a frozen one first.
 */
export class LedgerProcesses {
  private readonly children: ChildProcess[] = [];

  async start(dataDir: string, env: Record<string, string>): Promise<StartedLedger> {
    const output: string[] = [];
    const base = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', API_KEYS: HARNESS_API_KEYS };
    const { child, url } = await startProcess(BUILT_MAIN, { ...base, ...env }, [], (chunk) => output.push(chunk));
    this.children.push(child);
    return { child, url, output };
  }

  /** Stops one with SIGTERM and waits for it to exit. */
  static async stop(server: StartedLedger): Promise<void> {
    server.child.kill('SIGTERM');
    if (server.child.exitCode === null && server.child.signalCode === null) await once(server.child, 'exit');
  }

  async killAll(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
}
