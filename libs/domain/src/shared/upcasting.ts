/**
 * Event versioning. Stored events are never rewritten: an event stored with
 * an older schema version is brought up to the current one when it is read,
 * one version at a time, by the upcasters registered for its type. A type
 * with no upcaster is at version 1, so a new event type needs nothing here
 * until its schema changes.
 */
// Each upcaster knows the one stored shape it reads: its parameter is typed there, not here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Upcast = (data: any) => unknown;

/** What a reader needs: the current version of a type, and an event's data brought up to it. */
export interface Upcaster {
  currentVersion(type: string): number;
  /** The data of an event stored at `version`, as the current version of its type; throws UnknownSchemaVersion if it cannot be read. */
  upcast(type: string, version: number, data: unknown): { readonly version: number; readonly data: unknown };
}

/** An event whose stored schema version this release cannot read (written by a newer release, or corrupt). */
export class UnknownSchemaVersion extends Error {
  constructor(
    readonly type: string,
    readonly version: number,
    readonly current: number,
  ) {
    super(`${type} schema version ${version} cannot be read: this release reads versions 1 to ${current} of ${type}`);
    this.name = 'UnknownSchemaVersion';
  }
}

export class UpcasterRegistry implements Upcaster {
  /** type → (from version → upcast to from + 1) */
  private readonly steps = new Map<string, Map<number, Upcast>>();

  /** Registers how `type` at `fromVersion` becomes `fromVersion + 1`; the highest registered step sets the current version. */
  register(type: string, fromVersion: number, upcast: Upcast): this {
    if (!Number.isSafeInteger(fromVersion) || fromVersion < 1) throw new Error(`invalid schema version ${fromVersion} for ${type}`);
    const steps = this.steps.get(type) ?? new Map<number, Upcast>();
    if (steps.has(fromVersion)) throw new Error(`an upcaster for ${type} v${fromVersion} is already registered`);
    steps.set(fromVersion, upcast);
    this.steps.set(type, steps);
    return this;
  }

  currentVersion(type: string): number {
    const steps = this.steps.get(type);
    if (steps === undefined) return 1;
    let highest = 0;
    for (const from of steps.keys()) if (from > highest) highest = from;
    return highest + 1;
  }

  upcast(type: string, version: number, data: unknown): { version: number; data: unknown } {
    const current = this.currentVersion(type);
    if (!Number.isSafeInteger(version) || version < 1 || version > current) throw new UnknownSchemaVersion(type, version, current);
    let upcast = data;
    for (let v = version; v < current; v++) {
      const step = this.steps.get(type)?.get(v);
      if (!step) throw new UnknownSchemaVersion(type, version, current);
      upcast = step(upcast);
    }
    return { version: current, data: upcast };
  }
}
