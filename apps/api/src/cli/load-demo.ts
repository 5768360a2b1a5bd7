import { readFileSync } from 'node:fs';

/**
 * `npm run demo`: sends the demo data set (figures from public reports) to a
 * running API through its ordinary HTTP commands. Every command is a safe
 * retry, so loading twice changes nothing.
 */
interface DemoCommand {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

async function main(): Promise<void> {
  const baseUrl = (process.env.API_URL || `http://localhost:${process.env.PORT || 3000}`).replace(/\/$/, '');
  const key = process.env.API_KEY;
  if (!key) {
    console.error('set API_KEY to an operator key (npm start prints one when API_KEYS is not set)');
    process.exit(2);
  }
  const file = process.argv[2] ?? new URL('../../../../../demo/paired-assistance.json', import.meta.url);
  const demo = JSON.parse(readFileSync(file, 'utf8')) as { commands: DemoCommand[] };
  let failed = 0;
  for (const command of demo.commands) {
    const response = await fetch(baseUrl + command.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(command.body),
    });
    const body = await response.text();
    const ok = response.status === 200 || response.status === 201;
    if (!ok) failed++;
    console.log(`${response.status} POST ${command.path}${ok ? '' : `  ${body}`}`);
  }
  console.log(failed === 0 ? `loaded ${demo.commands.length} commands into ${baseUrl}` : `${failed} command(s) failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(`could not load the demo: ${(error as Error).message} (is the API running? set API_URL)`);
  process.exit(1);
});
