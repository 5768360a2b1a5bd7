export * from './csv.js';
export * from './event-export.js';
export { businessDateOf } from './event-fields.js';
export * from './event-lines.js';
export * from './event-scope.js';
export * from './iati.js';
