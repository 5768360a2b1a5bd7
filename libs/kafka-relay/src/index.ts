export * from './kafka-relay.js';
