// Test helpers for anyone writing an event-store adapter or testing against EventStoreDB:
// the contract suite every adapter passes, a gRPC double of an EventStoreDB server, and an
// embedded store on a temporary file.
export * from './esdb-double.js';
export * from './event-store.contract.js';
export * from './temporary-sqlite-store.js';
