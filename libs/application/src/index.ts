export * from './keyed-mutex.js';
export * from './aggregate-loader.js';
export * from './aggregates.js';
export * from './command-executor.js';
export * from './command-observer.js';
export * from './observed-event-store.js';
export * from './write-side.js';
