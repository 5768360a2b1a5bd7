import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * What the Dockerfile and docker-compose.yml must hold, as functions that
 * list the problems of a parsed file: the specs run them on the real files
 * (no problem) and on copies with one guard removed (that problem named), so
 * no check can pass whatever the file says.
 */

export interface Instruction {
  readonly op: string;
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

/** The Dockerfile's stages in order: comments dropped, continuation lines joined, instructions upper-cased. */
export function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Array<{ image: string; name: string | null; instructions: Instruction[] }> = [];
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line) as RegExpExecArray;
    const instruction = { op: op.toUpperCase(), args };
    if (instruction.op === 'FROM') {
      const [, image, name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) as RegExpExecArray;
      stages.push({ image, name: name ?? null, instructions: [] });
    } else if (stages.length > 0) stages[stages.length - 1].instructions.push(instruction);
  }
  return stages;
}

/** A CMD or HEALTHCHECK command in exec form (a JSON array), or null in shell form. */
function execForm(args: string): string[] | null {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

const argsOf = (stage: Stage, op: string): string[] => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

/** `COPY [--from=x] source… destination`, as from, sources and destination. */
function copies(stage: Stage): Array<{ from: string | null; sources: string[]; destination: string }> {
  return argsOf(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length) ?? null;
    const paths = words.filter((word) => !word.startsWith('--'));
    return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
  });
}

/** The stage's last WORKDIR, where relative paths land. */
function workdirOf(stage: Stage): string {
  const dirs = argsOf(stage, 'WORKDIR');
  return dirs.length > 0 ? dirs[dirs.length - 1] : '/';
}

/** The paths under the final stage's WORKDIR that were copied from the build stage (`dist/apps`, `dist/libs`). */
export function builtOutputInImage(stages: readonly Stage[], buildStage: string): string[] {
  const final = stages[stages.length - 1];
  const workdir = workdirOf(final);
  return copies(final)
    .filter((copy) => copy.from === buildStage)
    .map((copy) => posix.relative(workdir, posix.resolve(workdir, copy.destination)));
}

export interface ImageFacts {
  /** The project root, where the built output (dist/) and the sources are. */
  readonly root: string;
}

/** The problems of a Dockerfile; none for a good one. */
export function dockerfileProblems(stages: readonly Stage[], facts: ImageFacts): string[] {
  const problems: string[] = [];
  if (stages.length < 2) return ['not multi-stage: one FROM'];
  const final = stages[stages.length - 1];
  const build = stages.find((stage) => argsOf(stage, 'RUN').some((run) => /\bnpm run build\b/.test(run)));
  if (!build?.name) problems.push('no named build stage running `npm run build`');
  if (argsOf(final, 'RUN').some((run) => /\bnpm (run build|install|i|ci)\b/.test(run) && !/--omit=dev/.test(run)))
    problems.push('the final stage installs dev dependencies or builds');

  // Production dependencies only: `npm ci --omit=dev` in the final stage, or in a stage whose node_modules it copies.
  const productionStages = new Set(
    stages.filter((stage) => argsOf(stage, 'RUN').some((run) => /\bnpm ci\b.*--omit=dev/.test(run))).map((stage) => stage.name),
  );
  const depsCopied = copies(final).some(
    (copy) => copy.from !== null && productionStages.has(copy.from) && copy.sources.some((s) => /node_modules\/?$/.test(s)),
  );
  if (!productionStages.has(final.name) && !depsCopied) problems.push('no production dependencies (`npm ci --omit=dev`) in the image');
  const fromBuild = copies(final).filter((copy) => build?.name && copy.from === build.name);
  if (fromBuild.length === 0) problems.push('the final stage copies nothing from the build stage');
  for (const copy of fromBuild)
    for (const source of copy.sources)
      if (!/^(\/app\/)?dist\//.test(source)) problems.push(`the final stage copies ${source} from the build stage, not built output`);
  if (!copies(final).some((copy) => copy.from === null && copy.sources.includes('apps/dashboard')))
    problems.push('the dashboard files (apps/dashboard, read at run time) are not in the image');

  const users = argsOf(final, 'USER');
  const user = users[users.length - 1];
  if (user === undefined || /^(root|0)(:|$)/.test(user)) problems.push('runs as root: no non-root USER in the final stage');

  const healthcheck = argsOf(final, 'HEALTHCHECK')[0];
  const probe = healthcheck === undefined ? null : execForm(healthcheck.replace(/^(--\S+\s+)*CMD\s+/, ''));
  if (!probe || probe[0] !== 'node' || !probe.join(' ').includes('/health/live'))
    problems.push('no HEALTHCHECK probing /health/live with node (exec form)');

  const cmd = argsOf(final, 'CMD');
  const command = cmd.length === 0 ? null : execForm(cmd[cmd.length - 1]);
  if (!command) problems.push('no CMD in exec form');
  else problems.push(...commandProblems(command, builtOutputInImage(stages, build?.name ?? ''), facts, 'CMD'));
  return problems;
}

/** A command the image runs: `node <file>` where the file is built output copied into the image and exists after `npm run build`. */
export function commandProblems(command: readonly string[], inImage: readonly string[], facts: ImageFacts, what: string): string[] {
  const [program, file] = command;
  if (program !== 'node' || file === undefined) return [`${what} ${JSON.stringify(command)} is not \`node <built file>\``];
  const problems: string[] = [];
  if (!inImage.some((dir) => file === dir || file.startsWith(`${dir}/`)))
    problems.push(`${what} runs ${file}, which is not copied into the image`);
  if (!existsSync(join(facts.root, file))) problems.push(`${what} runs ${file}, which \`npm run build\` does not produce`);
  return problems;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string>;
  ports?: Array<string | { host_ip?: string; published?: string | number; target?: number }>;
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

export interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** The problems of a compose file; none for a good one. `inImage`: the built paths the Dockerfile copies into its image. */
export function composeProblems(compose: Compose, inImage: readonly string[], facts: ImageFacts): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const port of service.ports ?? []) {
      const loopback = typeof port === 'string' ? /^127\.0\.0\.1:\d+:\d+(\/tcp|\/udp)?$/.test(port) : port.host_ip === '127.0.0.1';
      if (!loopback) problems.push(`${name} publishes ${JSON.stringify(port)} beyond 127.0.0.1`);
    }
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : (volume.source ?? '');
      const bind = typeof volume === 'string' ? /^[./~$]/.test(source) : volume.type === 'bind' || /^[./~$]/.test(source);
      if (bind) problems.push(`${name} mounts ${source} from the host (the image holds what it runs)`);
      else if (source !== '' && !compose.volumes?.[source]) problems.push(`${name} mounts the undeclared volume ${source}`);
    }
    const runs = [service.entrypoint, service.command].flat().filter((part): part is string => typeof part === 'string');
    if (runs.some((part) => /\bnpm\b/.test(part))) problems.push(`${name} runs npm when it starts`);
    if (service.image?.startsWith('node:')) problems.push(`${name} runs a bare node image instead of the ledger's image`);
    if (service.build === undefined) continue;
    const build = typeof service.build === 'string' ? { context: service.build } : service.build;
    if ((build.context ?? '.') !== '.' || (build.dockerfile ?? 'Dockerfile') !== 'Dockerfile')
      problems.push(`${name} is built from something other than the project's Dockerfile`);
    const command = service.command;
    if (command !== undefined && !Array.isArray(command)) problems.push(`${name}'s command is not in exec form`);
    else if (command !== undefined) problems.push(...commandProblems(command, inImage, facts, `${name}'s command`));
  }
  return problems;
}
