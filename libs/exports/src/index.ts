export * from './csv.js';
export * from './event-export.js';
export * from './iati.js';
