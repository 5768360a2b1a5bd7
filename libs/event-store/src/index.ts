export * from './event-store.port.js';
export * from './catch-up-then-live.js';
export * from './sqlite/sqlite-event-store.js';
export * from './esdb/esdb-event-store.js';
