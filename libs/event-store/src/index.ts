export * from './event-store.port.js';
export * from './catch-up-then-live.js';
export * from './sqlite/sqlite-event-store.js';
// The EventStoreDB adapter is imported from './esdb/esdb-event-store.js' where chosen, so that SQLite users never load its gRPC client.
export * from './hash-chain.js';
export * from './verify-chains.js';
export * from './upcasting-event-store.js';
