// The contract suite every coordination-store adapter passes.
export * from './coordination-store.contract.js';
export * from './fleet-roster.contract.js';
