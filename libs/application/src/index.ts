export * from './keyed-mutex.js';
export * from './aggregate-loader.js';
export * from './command-executor.js';
export * from './command-observer.js';
export * from './ledger.js';
