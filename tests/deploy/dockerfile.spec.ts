import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtOutputInImage, dockerfileProblems, parseDockerfile } from './deploy-checks.js';

/**
 * The image, read without a Docker engine: multi-stage (dev dependencies and
 * `npm run build` in one stage; production dependencies and the built output
 * only in the last), a non-root user, a HEALTHCHECK, and a CMD that exists in
 * the build's output (run after `npm run build`, as `npm test` does). Each
 * guard is then removed from a copy of the file, and the check must say so.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const text = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
const facts = { root };
const problemsOf = (dockerfile: string) => dockerfileProblems(parseDockerfile(dockerfile), facts);

/** The Dockerfile with every line matching `pattern` replaced (a guard removed). */
function without(pattern: RegExp, replacement = ''): string {
  const changed = text
    .split('\n')
    .map((line) => (pattern.test(line) ? replacement : line))
    .join('\n');
  expect(changed).not.toBe(text);
  return changed;
}

describe('Dockerfile', () => {
  it('has no problem: multi-stage, production dependencies and built output only, non-root, health-checked', () => {
    expect(problemsOf(text)).toEqual([]);
    const stages = parseDockerfile(text);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(builtOutputInImage(stages, 'build').sort()).toEqual(['dist/apps', 'dist/libs']);
  });

  it.each([
    ['a non-root USER', /^USER /, '', 'runs as root'],
    ['a non-root USER (USER root instead)', /^USER /, 'USER root', 'runs as root'],
    ['a HEALTHCHECK', /^HEALTHCHECK |^ {2}CMD \["node", "-e"/, '', 'no HEALTHCHECK'],
    ['a build stage', /^FROM \$\{NODE_IMAGE\} AS build$|^RUN npm run build$/, '', 'no named build stage'],
    ['production dependencies', /^RUN npm ci --omit=dev/, '', 'no production dependencies'],
    ['the dashboard files', /^COPY apps\/dashboard/, '', 'dashboard files'],
    [
      'a CMD that exists in the build (a missing file instead)',
      /^CMD \["node", "dist\/apps\/api\/src\/main.js"\]$/,
      'CMD ["node", "dist/apps/api/src/server.js"]',
      'does not produce',
    ],
    ['the copy of the built apps', /^COPY --from=build \/app\/dist\/apps/, '', 'not copied into the image'],
    ['production-only dependencies (a full npm ci instead)', /^RUN npm ci --omit=dev/, 'RUN npm ci', 'no production dependencies'],
  ])('names the problem without %s', (_, pattern, replacement, problem) => {
    expect(problemsOf(without(pattern, replacement)).join('\n')).toContain(problem);
  });

  it('names a single-stage file, and a final stage that builds or copies sources', () => {
    expect(
      problemsOf('FROM node:20\nCOPY . .\nRUN npm ci && npm run build\nUSER node\nCMD ["node", "dist/apps/api/src/main.js"]\n'),
    ).toEqual(['not multi-stage: one FROM']);
    expect(problemsOf(`${text}\nRUN npm ci\n`).join('\n')).toContain('installs dev dependencies');
    expect(
      problemsOf(text.replace('COPY --from=build /app/dist/libs ./dist/libs', 'COPY --from=build /app/libs ./libs')).join('\n'),
    ).toContain('not built output');
  });
});
