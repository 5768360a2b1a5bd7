export * from './csv.js';
export * from './event-export.js';
export { businessDateOfRecorded } from './event-fields.js';
export * from './event-lines.js';
export * from './event-scope.js';
export * from './iati.js';
