import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EventStore, UpcastingEventStore } from '#event-store';
import { ConfigError, type LedgerConfig, loadConfig } from '../config.js';
import { openEventStore } from '../infrastructure/open-event-store.js';
import { type Progress, type ProgressStream, startProgress } from './progress.js';

/**
 * The operator CLI, `npm run cli -- <command> [options]`. Every command is one
 * file `commands/<name>.command.ts` whose default export is `defineCommand({…})`;
 * the CLI finds them there, so adding a command touches nothing else.
 *
 * Exit codes: 0 done; 1 the work failed (bad rows, a refused command, the
 * store failing); 2 the command line or the configuration is wrong; 3 busy
 * (a rebuild while another one runs).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_BUSY = 3;

export interface CliOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly description: string;
  /** Shown in help: `--currency <code>`. */
  readonly valueName?: string;
  readonly default?: string | boolean;
}

export interface CliArgument {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
}

export interface CliIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface CliContext {
  /** Option values by name (`--dry-run` → `values['dry-run']`), defaults applied. */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  /** Results: what a script would read. */
  out(line: string): void;
  /** Diagnostics and errors. */
  err(line: string): void;
  /** The same configuration the API reads (DATA_DIR, EVENT_STORE, …); a bad value exits 2. */
  config(): LedgerConfig;
  /** The configured event store, closed when the command ends. */
  openStore(): Promise<UpcastingEventStore>;
  /** A progress bar on stderr when it is a terminal, periodic lines otherwise. */
  progress(label: string, total: number): Progress;
}

export interface CliCommand {
  readonly name: string;
  /** One line, for `cli --help`. */
  readonly summary: string;
  /** Paragraphs for `cli <name> --help`. */
  readonly description?: string;
  readonly arguments?: readonly CliArgument[];
  readonly options?: Readonly<Record<string, CliOption>>;
  readonly examples?: readonly string[];
  /** Resolves to the exit code (0 when omitted); throw UsageError for a wrong command line. */
  run(context: CliContext): Promise<number | void>;
}

export function defineCommand(command: CliCommand): CliCommand {
  return command;
}

/** The command line is wrong: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {}

const COMMAND_FILE = /^([a-z][a-z0-9-]*)\.command\.(js|ts)$/;

/** Every `commands/*.command.{js,ts}`, sorted by name. */
export async function loadCommands(dir = new URL('./commands/', import.meta.url)): Promise<CliCommand[]> {
  const files = readdirSync(fileURLToPath(dir)).filter((file) => COMMAND_FILE.test(file) && !file.endsWith('.d.ts'));
  const commands: CliCommand[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, dir).href)) as { default?: CliCommand };
    const command = module.default;
    if (!command || typeof command.run !== 'function') throw new Error(`${file} must default-export defineCommand({...})`);
    if (command.name !== COMMAND_FILE.exec(file)?.[1])
      throw new Error(`${file} defines the command "${command.name}"; name the file after it`);
    commands.push(command);
  }
  return commands.sort((a, b) => a.name.localeCompare(b.name));
}

export function generalHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'Usage: npm run cli -- <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  show help for a command: npm run cli -- help <command>`,
    '',
    "Every command reads the API's configuration from the environment (DATA_DIR, EVENT_STORE, ESDB_CONNECTION_STRING).",
    'Exit codes: 0 done; 1 the work failed (bad rows, a refused command, the store failing); 2 wrong command line or configuration;',
    '3 busy (rebuild: another rebuild is running).',
    '',
  ].join('\n');
}

export function commandHelp(command: CliCommand): string {
  const args = (command.arguments ?? []).map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)).join(' ');
  const options = Object.entries(command.options ?? {}).map(([name, option]) => {
    const value = option.type === 'string' ? ` <${option.valueName ?? 'value'}>` : '';
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${value}`;
    const fallback = option.default !== undefined && option.type === 'string' ? ` (default ${option.default})` : '';
    return [flag, option.description + fallback] as const;
  });
  const rows = [
    ...(command.arguments ?? []).map((a) => [`<${a.name}>`, a.description] as const),
    ...options,
    ['-h, --help', 'show this help'] as const,
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `Usage: npm run cli -- ${command.name}${args ? ` ${args}` : ''}${Object.keys(command.options ?? {}).length ? ' [options]' : ''}`,
    '',
    command.summary,
    ...(command.description ? ['', command.description.trim()] : []),
    '',
    'Arguments and options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    ...(command.examples?.length ? ['', 'Examples:', ...command.examples.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}

/** Runs one command line and resolves to its exit code; never throws. */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
  commands?: readonly CliCommand[],
): Promise<number> {
  const out = (line: string) => void io.stdout.write(line + '\n');
  const err = (line: string) => void io.stderr.write(line + '\n');
  let all: readonly CliCommand[];
  try {
    all = commands ?? (await loadCommands());
  } catch (error) {
    err(`the CLI could not load its commands: ${(error as Error).message}`);
    return EXIT_FAILED;
  }
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    (name === undefined ? err : out)(generalHelp(all));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const wanted = name === 'help' ? rest[0] : name;
  const command = all.find((c) => c.name === wanted);
  if (!command) {
    err(`unknown command "${wanted}"; the commands are: ${all.map((c) => c.name).join(', ')} (npm run cli -- --help)`);
    return EXIT_USAGE;
  }
  if (name === 'help') {
    out(commandHelp(command));
    return EXIT_OK;
  }

  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const options = Object.fromEntries(
      Object.entries(command.options ?? {}).map(([key, option]) => [
        key,
        {
          type: option.type,
          ...(option.short ? { short: option.short } : {}),
          ...(option.default !== undefined ? { default: option.default } : {}),
        },
      ]),
    );
    ({ values, positionals } = parseArgs({
      args: [...rest],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (error) {
    err(`${command.name}: ${(error as Error).message} (npm run cli -- ${command.name} --help)`);
    return EXIT_USAGE;
  }
  if (values.help) {
    out(commandHelp(command));
    return EXIT_OK;
  }
  const required = (command.arguments ?? []).filter((a) => a.required).length;
  const allowed = (command.arguments ?? []).length;
  if (positionals.length < required || positionals.length > allowed) {
    const expected = (command.arguments ?? []).map((a) => `<${a.name}>`).join(' ') || 'no arguments';
    err(
      `${command.name}: expected ${expected}, ` +
        `got ${positionals.length ? positionals.map((p) => JSON.stringify(p)).join(' ') : 'none'} (npm run cli -- ${command.name} --help)`,
    );
    return EXIT_USAGE;
  }

  const stores: EventStore[] = [];
  let config: LedgerConfig | undefined;
  const context: CliContext = {
    values,
    positionals,
    out,
    err,
    config: () => (config ??= loadConfig(io.env)),
    openStore: async () => {
      const store = await openEventStore(context.config());
      stores.push(store);
      return store;
    },
    progress: (label, total) => startProgress(label, total, io.stderr),
  };
  try {
    return (await command.run(context)) ?? EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${command.name}: ${error.message} (npm run cli -- ${command.name} --help)`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      err(`configuration error: ${error.message}`);
      return EXIT_USAGE;
    }
    err(`${command.name} failed: ${error instanceof Error ? (io.env.DEBUG ? error.stack : error.message) : String(error)}`);
    return EXIT_FAILED;
  } finally {
    for (const store of stores) await store.close().catch(() => undefined);
  }
}
