export * from './merkle.js';
export * from './leaf.js';
export * from './tree-head.js';
export * from './signing-key.js';
export * from './tree-store.js';
export * from './tree-follower.js';
export * from './verify-tree.js';
export * from './verify-export.js';
