import { runCli } from './cli.js';

/** `npm run rebuild`: the CLI's rebuild command (commands/rebuild.command.ts), kept under its old name. */
process.exit(await runCli(['rebuild', ...process.argv.slice(2)]));
