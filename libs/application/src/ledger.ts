import {
  type AnyProjectCommand,
  type PartnerPairEvent,
  type PartnerPairState,
  type ProjectEvent,
  type ProjectState,
  type RegisterPartnerPair,
  PARTNER_PAIR_EVENT_TYPES,
  PROJECT_EVENT_TYPES,
  LEDGER_UPCASTERS,
  currentSchemaVersion,
  decideProject,
  evolvePartnerPair,
  evolveProject,
  initialPartnerPairState,
  initialProjectState,
  partnerPairStreamId,
  projectStreamId,
  registerPartnerPair,
  signProject,
} from '#domain';
import { type EventStore, type RecordedEvent, UpcastingEventStore } from '#event-store';
import { AggregateLoader, type Loaded } from './aggregate-loader.js';
import { type CommandContext, CommandExecutor, type CommandResult } from './command-executor.js';
import { type CommandObserver, observeAppends, observeCommand } from './command-observer.js';

/**
 * The ledger's write side: every command a user can give, against any event
 * store. An observer (metrics) hears how each command ended and how long
 * each append took.
 */
export class Ledger {
  private readonly executor: CommandExecutor;
  private readonly pairs: AggregateLoader<PartnerPairState, PartnerPairEvent>;
  private readonly projects: AggregateLoader<ProjectState, ProjectEvent>;

  /** The store as stored: the writer chains hashes over this form. */
  readonly store: EventStore;
  /** The store as readers see it: every event upcast to the current schema of its type. */
  readonly events: UpcastingEventStore;

  /** Give it the store, or an UpcastingEventStore over it (the writer unwraps it: hashes cover the stored form). */
  constructor(
    store: EventStore,
    private readonly observer?: CommandObserver,
  ) {
    this.store = store instanceof UpcastingEventStore ? store.stored : store;
    this.events = new UpcastingEventStore(this.store, LEDGER_UPCASTERS);
    this.executor = new CommandExecutor(observeAppends(this.store, observer), currentSchemaVersion);
    this.pairs = new AggregateLoader(this.store, initialPartnerPairState, evolvePartnerPair, new Set(PARTNER_PAIR_EVENT_TYPES), LEDGER_UPCASTERS);
    this.projects = new AggregateLoader(this.store, initialProjectState, evolveProject, new Set(PROJECT_EVENT_TYPES), LEDGER_UPCASTERS);
  }

  registerPartnerPair(command: RegisterPartnerPair, context: CommandContext): Promise<CommandResult> {
    const streamId = partnerPairStreamId(command.data.pairId);
    const parentId = command.data.parentPairId;
    return observeCommand(this.observer, command.type, () => this.executor.execute(
      streamId,
      () => this.pairs.load(streamId),
      async (state) => {
        // Pairs are immutable once registered, so the parent read here cannot change before the append.
        const parent = parentId === null ? null : (await this.loadPair(parentId)).state;
        return registerPartnerPair(command, state, parent);
      },
      context,
    ));
  }

  executeProjectCommand(command: AnyProjectCommand, context: CommandContext): Promise<CommandResult> {
    const streamId = projectStreamId(command.data.projectId);
    return observeCommand(this.observer, command.type, () => this.executor.execute(
      streamId,
      () => this.projects.load(streamId),
      async (state) => {
        if (command.type !== 'SignProject') return decideProject(command, state);
        const pair = (await this.loadPair(command.data.pairId)).state;
        return signProject(command, state, pair);
      },
      context,
    ));
  }

  /** A pair's state as the write side decides against it (cached, upcast); revision -1 if it was never registered. */
  loadPair(pairId: string): Promise<Loaded<PartnerPairState>> {
    return this.pairs.load(partnerPairStreamId(pairId));
  }

  /** A project's state as the write side decides against it (cached, upcast); revision -1 if it was never signed. */
  loadProject(projectId: string): Promise<Loaded<ProjectState>> {
    return this.projects.load(projectStreamId(projectId));
  }

  /** The events of one project, for auditors, upcast (each says the version it was stored with); null if it was never signed. */
  async projectHistory(projectId: string): Promise<RecordedEvent[] | null> {
    const events = await this.events.readStream(projectStreamId(projectId));
    return events.length === 0 ? null : events;
  }
}
