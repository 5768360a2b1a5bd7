import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HARNESS_AUTH } from './server-process.js';

export interface LivenessProbe {
  readonly samples: number;
  readonly failures: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface LivenessUnderAuditLoad extends LivenessProbe {
  /** How long each audit read took (ms), in the order they were sent. */
  readonly audits: ReadonlyArray<{ readonly read: string; readonly ms: number; readonly bytes: number }>;
}

/**
 * `GET /health/live` every 50 ms from a probe in its own process (its timings are not slowed by the harness) while
 * `load` runs against the server, from half a second before it to half a second after.
 */
export async function livenessDuring<T>(url: string, dist: string, load: () => Promise<T>): Promise<LivenessProbe & { load: T }> {
  const probe = spawn(process.execPath, [join(dist, 'liveness-probe.js'), url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  probe.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const probed = new Promise<void>((resolve, reject) =>
    probe.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`probe ${code}`)))),
  );
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const loaded = await load();
    await new Promise((resolve) => setTimeout(resolve, 500));
    probe.stdin.end();
    await probed;
    return { ...(JSON.parse(output.trim().split('\n').pop() as string) as LivenessProbe), load: loaded };
  } finally {
    if (probe.exitCode === null) {
      probed.catch(() => undefined);
      probe.kill();
    }
  }
}

/** Liveness under audit load: four as-of reads of one long project, a full export and a verify of the whole log at once. */
export async function livenessUnderAuditLoad(url: string, dist: string, projectId: string): Promise<LivenessUnderAuditLoad> {
  const read = async (name: string, path: string): Promise<{ read: string; ms: number; bytes: number }> => {
    const started = performance.now();
    const response = await fetch(url + path, { headers: HARNESS_AUTH });
    let bytes = 0;
    for await (const chunk of response.body ?? []) bytes += (chunk as Uint8Array).byteLength;
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    return { read: name, ms: performance.now() - started, bytes };
  };
  const { load: audits, ...probe } = await livenessDuring(url, dist, () =>
    Promise.all([
      ...Array.from({ length: 4 }, () => read('as-of project', `/projects/${projectId}?asOf=2030-01-01`)),
      read('export', '/audit/events'),
      read('verify', '/audit/verify'),
    ]),
  );
  return { ...probe, audits };
}

/**
 * Liveness during an operator's blue/green rebuild of the read models over HTTP (`POST /admin/projections/rebuild`,
 * then `GET /admin/projections` every 500 ms until it has completed): the rebuild folds every event of the log in the
 * followers thread while the request thread answers the probe.
 */
export async function livenessDuringRebuild(url: string, dist: string): Promise<LivenessProbe & { rebuildMs: number }> {
  const { load: rebuildMs, ...probe } = await livenessDuring(url, dist, async () => {
    const started = performance.now();
    const asked = await fetch(`${url}/admin/projections/rebuild`, {
      method: 'POST',
      headers: { ...HARNESS_AUTH, 'content-type': 'application/json' },
      body: '{}',
    });
    if (asked.status !== 202) throw new Error(`POST /admin/projections/rebuild answered ${asked.status}: ${await asked.text()}`);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const view = (await (await fetch(`${url}/admin/projections`, { headers: HARNESS_AUTH })).json()) as {
        projections: Array<{ rebuild?: { state: string; error: string | null } }>;
      };
      const rebuild = view.projections[0]?.rebuild;
      if (rebuild?.state === 'completed') return performance.now() - started;
      if (rebuild?.state !== 'running') throw new Error(`the rebuild ended ${JSON.stringify(rebuild)}`);
    }
  });
  return { ...probe, rebuildMs };
}
