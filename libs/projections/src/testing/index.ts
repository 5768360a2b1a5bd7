export * from './ledger-events.js';
