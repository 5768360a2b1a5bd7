import { runCli } from './cli.js';

/** `npm run cli -- <command> [options]`: see cli.ts and commands/. */
process.exit(await runCli(process.argv.slice(2)));
