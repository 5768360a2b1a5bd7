export * from './background-loop.js';
export * from './checkpoints.js';
