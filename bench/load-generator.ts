import autocannon from 'autocannon';
import { HARNESS_AUTH } from './server-process.js';
import { type BenchRequest, commandMix } from './workload.js';

/**
 * Runs in its own process (so it takes its own core, not the server's):
 * drives `url` with autocannon and prints one JSON line of results.
 *   node load-generator.js <url> <mode> <seconds> [connections] [rate]
 * mode: commands | summary | project | lag
 */
interface Result {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  lagP50Ms?: number;
  lagP99Ms?: number;
}

const [url, mode, secondsArg, connectionsArg = '64', rateArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const connections = Number(connectionsArg);
const prefix = `run${process.pid}`;

function nextRequest(): () => BenchRequest {
  if (mode === 'commands' || mode === 'lag') return commandMix(prefix);
  let n = 0;
  const pairs = Number(process.env.BENCH_PAIRS ?? 500);
  const projects = Number(process.env.BENCH_PROJECTS ?? 10_000);
  return () => {
    n++;
    return mode === 'summary'
      ? { method: 'GET', path: `/partner-pairs/pair-${(n * 31) % pairs}/summary` }
      : { method: 'GET', path: `/projects/project-${(n * 7919) % projects}` };
  };
}

async function lagProbe(until: number): Promise<number[]> {
  // From a command's 201 to the read model reflecting it: a read with ?minPosition returns once it does.
  const samples: number[] = [];
  const next = commandMix(`${prefix}-probe`);
  while (Date.now() < until) {
    let request = next();
    while (!request.path.endsWith('/jobs')) request = next();
    const reply = await fetch(url + request.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...HARNESS_AUTH },
      body: request.body,
    });
    const { position } = (await reply.json()) as { position: number };
    const acknowledged = performance.now();
    await (await fetch(`${url}/projects/bench-seed-0?minPosition=${position}`, { headers: HARNESS_AUTH })).arrayBuffer();
    samples.push(performance.now() - acknowledged);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return samples.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const generate = nextRequest();
  const probe = mode === 'lag' ? lagProbe(Date.now() + seconds * 1000) : Promise.resolve([]);
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    overallRate: rateArg ? Number(rateArg) : undefined,
    headers: { 'content-type': 'application/json', ...HARNESS_AUTH },
    requests: [{ setupRequest: (request) => ({ ...request, ...generate() }) }],
  });
  const lag = await probe;
  const output: Result = {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  if (lag.length > 0) {
    output.lagP50Ms = lag[Math.floor(lag.length * 0.5)];
    output.lagP99Ms = lag[Math.min(lag.length - 1, Math.floor(lag.length * 0.99))];
  }
  console.log(JSON.stringify(output));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
