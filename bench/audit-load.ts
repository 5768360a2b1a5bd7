import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HARNESS_AUTH } from './server-process.js';

export interface LivenessUnderAuditLoad {
  readonly samples: number;
  readonly failures: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** How long each audit read took (ms), in the order they were sent. */
  readonly audits: ReadonlyArray<{ readonly read: string; readonly ms: number; readonly bytes: number }>;
}

/**
 * Liveness under audit load: a probe process asks /health/live every 50 ms while four as-of reads of
 * one long project, a full export and a verify of the whole log run at once against the server.
 */
export async function livenessUnderAuditLoad(url: string, dist: string, projectId: string): Promise<LivenessUnderAuditLoad> {
  const probe = spawn(process.execPath, [join(dist, 'liveness-probe.js'), url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  probe.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const probed = new Promise<void>((resolve, reject) =>
    probe.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`probe ${code}`)))),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const read = async (name: string, path: string): Promise<{ read: string; ms: number; bytes: number }> => {
    const started = performance.now();
    const response = await fetch(url + path, { headers: HARNESS_AUTH });
    let bytes = 0;
    for await (const chunk of response.body ?? []) bytes += (chunk as Uint8Array).byteLength;
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    return { read: name, ms: performance.now() - started, bytes };
  };
  const audits = await Promise.all([
    ...Array.from({ length: 4 }, () => read('as-of project', `/projects/${projectId}?asOf=2030-01-01`)),
    read('export', '/audit/events'),
    read('verify', '/audit/verify'),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  probe.stdin.end();
  await probed;
  return { ...JSON.parse(output.trim().split('\n').pop() as string), audits };
}
