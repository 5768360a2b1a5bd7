import { currentSchemaVersion } from '#domain';
import type { UpcastingEventStore } from '#event-store';
import { PartnerPairLoader, ProjectLoader } from './aggregates.js';
import { CommandExecutor } from './command-executor.js';
import type { CommandObserver } from './command-observer.js';
import { ObservedEventStore } from './observed-event-store.js';

/** What a command handler needs: the executor and the aggregates' loaders, over one event store. */
export interface WriteSide {
  readonly executor: CommandExecutor;
  readonly pairs: PartnerPairLoader;
  readonly projects: ProjectLoader;
}

/**
 * The write side over `events`: loaders read the stored form (hashes chain
 * over it) and decide on the upcast one; the executor appends to the stored
 * store, each append timed for the observer when there is one.
 */
export function openWriteSide(events: UpcastingEventStore, observer?: CommandObserver): WriteSide {
  const appendTo = observer ? new ObservedEventStore(events.stored, observer) : events.stored;
  return {
    executor: new CommandExecutor(appendTo, currentSchemaVersion, observer),
    pairs: new PartnerPairLoader(events),
    projects: new ProjectLoader(events),
  };
}
