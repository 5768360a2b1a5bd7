// Test helpers for anyone writing an event-store adapter or testing against EventStoreDB:
// the contract suite every adapter passes, and a gRPC double of an EventStoreDB server.
export * from './esdb-double.js';
export * from './event-store.contract.js';
