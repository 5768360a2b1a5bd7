export * from './event-catalogue.js';
export * from './event-envelope.js';
export * from './asyncapi.js';
export * from './validate-envelope.js';
export * from './contract-files.js';
export * from './tree-heads.js';
