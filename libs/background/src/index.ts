export * from './background-loop.js';
export * from './checkpoints.js';
export * from './worker-script.js';
export * from './position-waiters.js';
export * from './while-locked.js';
export * from './within.js';
export * from './in-flight.js';
