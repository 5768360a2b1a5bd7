import {
  PARTNER_PAIR_EVENT_TYPES,
  PROJECT_EVENT_TYPES,
  type PartnerPairEvent,
  type PartnerPairState,
  type ProjectEvent,
  type ProjectState,
  evolvePartnerPair,
  evolveProject,
  initialPartnerPairState,
  initialProjectState,
  partnerPairStreamId,
  projectStreamId,
} from '#domain';
import type { UpcastingEventStore } from '#event-store';
import { AggregateLoader } from './aggregate-loader.js';

/** Partner pairs as the write side decides against them (cached, upcast). */
export class PartnerPairLoader extends AggregateLoader<PartnerPairState, PartnerPairEvent> {
  constructor(events: UpcastingEventStore) {
    super(events, {
      initial: initialPartnerPairState,
      evolve: evolvePartnerPair,
      eventTypes: PARTNER_PAIR_EVENT_TYPES,
      streamIdOf: partnerPairStreamId,
    });
  }
}

/** Projects as the write side decides against them (cached, upcast). */
export class ProjectLoader extends AggregateLoader<ProjectState, ProjectEvent> {
  constructor(events: UpcastingEventStore) {
    super(events, { initial: initialProjectState, evolve: evolveProject, eventTypes: PROJECT_EVENT_TYPES, streamIdOf: projectStreamId });
  }
}
