export * from './background-loop.js';
export * from './counters.js';
export * from './read-model-db.js';
export * from './ledger-projection.js';
export * from './projection-runner.js';
export * from './queries.js';
export * from './rebuild.js';
export * from './as-of.js';
