/**
 * Runs in its own process (its timings are not slowed by the harness reading audit answers):
 * asks `GET <url>/health/live` every 50 ms until its stdin closes, then prints one JSON line:
 * p50, p99 and max of the answers' latency.
 *   node liveness-probe.js <url>
 */
const [url] = process.argv.slice(2);
const INTERVAL_MS = 50;
const samples: number[] = [];
let running = true;
process.stdin.resume();
process.stdin.on('end', () => (running = false));

async function main(): Promise<void> {
  let failures = 0;
  while (running) {
    const started = performance.now();
    try {
      const response = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      if (response.status !== 200) failures++;
    } catch {
      failures++;
    }
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  console.log(
    JSON.stringify({ samples: samples.length, failures, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: samples[samples.length - 1] ?? NaN }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
