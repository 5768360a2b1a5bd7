export * from './event-envelope.js';
export * from './kafka-relay.js';
