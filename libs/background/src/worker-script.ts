import { existsSync, readFileSync } from 'node:fs';

/** Where a worker thread's built script is: beside the module that starts it, or named by package.json. */
export interface WorkerScript {
  /** The script's file name beside the starting module once built (`x.worker.js`). */
  readonly sibling: string;
  /** The package.json "imports" entry that names the built script (`#lib/x-worker`, or a pattern such as `#api/*`). */
  readonly entry: string;
  /** What `*` stands for when `entry` is a pattern. */
  readonly subpath?: string;
  /** What the thread is, for the error when it is not built. */
  readonly what: string;
}

/**
 * The built script of a worker thread started from the module at `from` (its `import.meta.url`): in dist/,
 * the file beside it; from the TypeScript sources (jest), the build that package.json's "imports" names
 * (run `npm run build` first, as for the end-to-end suites, which start the built server).
 */
export function builtWorkerScript(from: string, script: WorkerScript): URL {
  const built = new URL(`./${script.sibling}`, from);
  if (existsSync(built)) return built;
  for (let dir = new URL('./', from); dir.pathname !== '/'; dir = new URL('../', dir)) {
    const manifest = new URL('package.json', dir);
    if (!existsSync(manifest)) continue;
    const { imports } = JSON.parse(readFileSync(manifest, 'utf8')) as { imports?: Record<string, { default?: string }> };
    const target = imports?.[script.entry]?.default?.replace('*', script.subpath ?? '*');
    if (target && existsSync(new URL(target, dir))) return new URL(target, dir);
    break;
  }
  throw new Error(`${script.what} is not built: run \`npm run build\` (the thread runs dist/…/${script.sibling})`);
}
