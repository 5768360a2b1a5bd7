export * from './event-store.port.js';
export * from './catch-up-then-live.js';
export * from './cooperative.js';
// The port only: the adapters are their own entry points (#event-store/sqlite, #event-store/esdb), imported by
// the app that chooses one, so the libs that use a store cannot depend on either (see .dependency-cruiser.cjs).
export * from './hash-chain.js';
export * from './verify-chains.js';
export * from './upcasting-event-store.js';
export * from './private-file.js';
